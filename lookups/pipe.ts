import type { LookupPlugin } from './lookup.js';
import { runOnController } from './shellCommand.js';

/** `pipe`: each term is a shell command run on the controller; its output, trailing whitespace removed. */
export const pipeLookup: LookupPlugin = {
  name: 'pipe',
  run: (terms, _options, context) => terms.map((term) => runOnController('pipe', term, context.baseDir).replace(/\s+$/, '')),
};
