import { ModuleError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import type { Target } from './module.js';
import { formatMode, readPathState, type PathState } from './remoteFile.js';

/**
 * The state of `path`, which a command has just created with `mode` through the umask, read after that command
 * (from the controller when the target's files can be: no stat in the tree). A default ACL on its folder wins
 * over the umask: where the mode differs, one more command sets `mode` on it and on the other `levels` it made.
 * The path has the other mode for that moment, as it had it while the command filled it.
 */
export async function createdState(target: Target, path: string, mode: number, levels: readonly string[] = [path]): Promise<PathState> {
  const state = await readPathState(target, path);
  if (!state.exists || state.type === 'link' || state.mode === mode) return state;
  const run = await target.exec(shellJoin(['chmod', '--', formatMode(mode), ...new Set([path, ...levels])]));
  if (run.rc !== 0) throw new ModuleError(`could not set mode ${formatMode(mode)} on ${path}: ${run.stderr.toString().trim()}`, { rc: run.rc });
  return readPathState(target, path);
}
