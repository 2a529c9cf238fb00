import type { ModuleDefinition } from './module.js';
import { rewriteTextFile } from './textFileEdit.js';

/**
 * community.general.kernel_blacklist: name, state, blacklist_file (default
 * /etc/modprobe.d/blacklist-ansible.conf). A `blacklist NAME` line is appended or every one removed (commented
 * ones count as absent); lines are written back without trailing blanks, as Ansible does.
 */
export const kernelBlacklistModule: ModuleDefinition = {
  name: 'kernel_blacklist',
  args: {
    name: { type: 'str', required: true },
    state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
    blacklist_file: { type: 'str', default: '/etc/modprobe.d/blacklist-ansible.conf' },
  },
  async run(ctx) {
    const name = ctx.args['name'] as string;
    const present = ctx.args['state'] === 'present';
    const listed = (line: string) => /^blacklist\s+(\S+)$/.exec(line.trim())?.[1] === name;
    const outcome = await rewriteTextFile(ctx, {
      path: ctx.args['blacklist_file'] as string,
      wanted: {},
      edit(text) {
        const lines = (text.match(/[^\n]*\n|[^\n]+$/g) ?? []).map((line) => line.trimEnd());
        const blocked = lines.some((line) => !line.trim().startsWith('#') && listed(line));
        if (blocked === present) return text;
        const kept = present ? [...lines, `blacklist ${name}`] : lines.filter((line) => !listed(line));
        return kept.map((line) => `${line}\n`).join('');
      },
    });
    if (outcome.failure) return outcome.failure;
    return { changed: outcome.changed, name, state: ctx.args['state'], ...(outcome.diff ? { diff: outcome.diff } : {}) };
  },
};
