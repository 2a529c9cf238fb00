import type { ModuleContext } from './module.js';
import { expandingShellWord } from './argvExpansion.js';

/**
 * Ansible's `path` arguments are expanded by the module on the target (os.path.expandvars, then expanduser):
 * `$HOME/x`, `${VAR}` and `~user/x` mean what they mean there. This does that for the named arguments, in one
 * command and only when one of them names a variable (`$NAME`, `${NAME}`) or starts with `~`; plain paths cost nothing.
 */
export async function expandTargetPaths(ctx: ModuleContext, names: readonly string[]): Promise<void> {
  const expandable = names.filter((name) => {
    const value = ctx.args[name];
    return typeof value === 'string' && (/\$(?:[A-Za-z_]|\{[A-Za-z_])/.test(value) || value.startsWith('~'));
  });
  if (expandable.length === 0) return;
  const words = expandable.map((name) => `printf '%s\\0' ${expandingShellWord(ctx.args[name] as string)}`);
  const run = await ctx.target.exec(words.join('; '));
  const values = run.stdout.toString().split('\0');
  expandable.forEach((name, n) => {
    if (run.rc === 0 && values[n] !== undefined) ctx.args[name] = values[n];
  });
}
