import { PassThrough } from 'node:stream';
import type { TreeRunOptions } from './treeProcess.js';

/*
 * A command's stdin on its way into a carrier's exec (playtree_via): carriedBuildHost.ts's commands and the
 * persistent container's (carriedContainer.ts).
 */

/**
 * A pipe into a carrier exec's stdin whose destruction says nothing. An interrupted carrier ends its side of
 * the pipe itself (the command's input ends, as it should); an 'error' from that would make the carrier kill
 * the whole exec at once (local.ts does, for a failing source) before the command's traps ran.
 */
export const quietPipe = () => new PassThrough({ destroy: (_error, done) => done(null) });

/**
 * A command's stdin for the carrier's exec: a stream goes through a pipe of our own, which a stop can end
 * (the command's traps then run at end of input); a failing stream stops the command.
 */
export function endableInput(given: TreeRunOptions['stdin'], stop: (error: Error) => void): { source: TreeRunOptions['stdin']; endInput: () => void } {
  if (given === undefined || typeof given === 'string' || Buffer.isBuffer(given)) return { source: given, endInput: () => {} };
  given.once('error', stop);
  const input = quietPipe();
  given.pipe(input);
  return {
    source: input,
    endInput: () => {
      given.unpipe(input);
      input.end();
    },
  };
}
