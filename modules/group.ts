import { ModuleError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import { readAccounts } from './accountDatabase.js';
import type { ModuleDefinition, ModuleResult } from './module.js';

/**
 * ansible.builtin.group on Linux: name, state, gid, system, non_unique. Runs groupadd/groupmod/groupdel INSIDE
 * the target (an image tree's own /etc/group and /etc/gshadow change, never the controller's): one command
 * reads the groups, one changes them and reads them back. `local` is accepted only as false.
 */
export const groupModule: ModuleDefinition = {
  name: 'group',
  args: {
    name: { type: 'str', required: true },
    state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
    gid: { type: 'int' },
    system: { type: 'bool', default: false },
    local: { type: 'bool', default: false },
    non_unique: { type: 'bool', default: false },
  },
  async run(ctx) {
    const a = ctx.args;
    const name = a['name'] as string;
    if (name === '' || name.startsWith('-') || name.includes(':')) throw new ModuleError(`invalid group name '${name}'`);
    if (a['non_unique'] && a['gid'] === undefined) throw new ModuleError('non_unique is True but all of the following are missing: gid');
    if (a['local']) throw new ModuleError('local: true (lgroupadd) is not supported; leave it out to use groupadd in the target');
    const before = await readAccounts(ctx.target, '');
    const existing = before.groups.find((g) => g.name === name);
    const result: ModuleResult = { changed: false, name, state: a['state'] };
    const argv = groupCommand(a, existing?.gid);
    if (!argv) return existing ? { ...result, system: a['system'], gid: existing.gid } : result;
    // Ansible returns only `changed` when it would create or delete in check mode.
    if (ctx.check) return existing && a['state'] === 'present' ? { ...result, changed: true, system: a['system'], gid: existing.gid } : { changed: true };
    const after = await readAccounts(ctx.target, '', { commands: [shellJoin(argv)] });
    const group = after.groups.find((g) => g.name === name);
    Object.assign(result, { changed: true }, after.stderr ? { stderr: after.stderr } : {});
    return group ? { ...result, system: a['system'], gid: group.gid } : result;
  },
};

/** groupadd/groupmod/groupdel argv for the wanted state, or undefined when the group is already so. Pure. */
export function groupCommand(a: Record<string, unknown>, currentGid: number | undefined): string[] | undefined {
  const name = a['name'] as string;
  const gid = a['gid'] === undefined ? [] : ['-g', String(a['gid']), ...(a['non_unique'] ? ['-o'] : [])];
  if (a['state'] === 'absent') return currentGid === undefined ? undefined : ['groupdel', name];
  if (currentGid === undefined) return ['groupadd', ...gid, ...(a['system'] ? ['-r'] : []), name];
  if (a['gid'] !== undefined && a['gid'] !== currentGid) return ['groupmod', ...gid, name];
  return undefined;
}
