#!/usr/bin/env node
// Thin launcher: the command line is bundled in dist/bundle/ (`npm run build` makes it: scripts/bundle.mjs).
import { main } from '../dist/bundle/playtree.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
