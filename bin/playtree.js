#!/usr/bin/env node
// Thin launcher: the command line is bundled in dist/bundle/ (`npm run build` makes it: scripts/bundle.mjs).
const bundle = new URL('../dist/bundle/playtree.js', import.meta.url);

import(bundle.href).then(
  ({ main }) =>
    main(process.argv.slice(2)).then((code) => {
      process.exitCode = code;
    }),
  (error) => {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || error?.url !== bundle.href) throw error;
    process.stderr.write('ERROR! playtree is not built: run `npm run build` (it writes dist/bundle/)\n');
    process.exitCode = 1;
  },
);
