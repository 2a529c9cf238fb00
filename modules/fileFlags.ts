import { shellJoin } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleResult } from './module.js';
import { statAttributes } from './statExtras.js';

/**
 * The `attributes` (`attr`) argument of the file modules: ext2-style flags through the target's lsattr and
 * chattr. As Ansible decides it: `=FLAGS` (or bare FLAGS) and `+FLAGS` change when lsattr's flags are not
 * exactly FLAGS, `-FLAGS` always runs chattr; without chattr in the target nothing is done.
 */
export interface FlagsOutcome {
  changed: boolean;
  before?: string;
  after?: string;
  failure?: ModuleResult;
}

const NO_CHATTR_EXIT = 40;

export async function applyFileFlags(ctx: ModuleContext, path: string, wanted: string): Promise<FlagsOutcome> {
  const operator = wanted.startsWith('+') || wanted.startsWith('-') ? wanted[0]! : '=';
  const flags = operator === '=' ? wanted.replace(/^=/, '') : wanted.slice(1);
  const read = await ctx.target.exec(`command -v chattr >/dev/null || exit ${NO_CHATTR_EXIT}; ${shellJoin(['lsattr', '-vd', '--', path])} 2>/dev/null; true`);
  if (read.rc === NO_CHATTR_EXIT) return { changed: false };
  const existing = statAttributes(read.stdout.toString().split('\n')[0] ?? '').attr_flags;
  if (existing === flags && operator !== '-') return { changed: false };
  const outcome: FlagsOutcome = { changed: true, before: existing, after: `${operator}${flags}` };
  if (ctx.check) return outcome;
  const run = await ctx.target.exec(shellJoin(['chattr', `${operator}${flags}`, '--', path]));
  const errors = run.stderr.toString();
  if (run.rc !== 0 || errors) {
    return { ...outcome, failure: { changed: false, failed: true, path, msg: 'chattr failed', details: `Error while setting attributes: ${run.stdout.toString()}${errors}` } };
  }
  return outcome;
}
