import { createRequire } from 'node:module';

/**
 * jinja.ts, loaded on first use. Templates render synchronously, so with require() (Node's require of an
 * ES module, Node 20.19 and later), as lookups/index.ts loads a lookup.
 */
const load = createRequire(import.meta.url);
let loaded: typeof import('./jinja.js') | undefined;

export function jinja(): typeof import('./jinja.js') {
  return (loaded ??= load('./jinja.js') as typeof import('./jinja.js'));
}
