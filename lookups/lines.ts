import type { LookupPlugin } from './lookup.js';
import { runOnController } from './shellCommand.js';

/** `lines`: each term is a shell command run on the controller; its output's lines are the items. */
export const linesLookup: LookupPlugin = {
  name: 'lines',
  run: (terms, _options, context) => terms.flatMap((term) => pythonSplitLines(runOnController('lines', term, context.baseDir))),
};

/** Python's str.splitlines(): no empty last item for a final newline. */
function pythonSplitLines(text: string): string[] {
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
