import { ModuleError } from '../src/core/errors.js';
import type { ModuleDefinition } from './module.js';
import { NOT_INSTALLED, selinuxEnabled } from './selinuxConfig.js';

/**
 * community.general.sefcontext: target, setype, ftype, seuser, selevel, state, reload, ignore_selinux_state.
 * Only what a tree without SELinux allows: `state: absent` is already true there (ok); anything else fails
 * saying SELinux is not installed or not enabled (file contexts need semanage).
 */
export const sefcontextModule: ModuleDefinition = {
  name: 'sefcontext',
  args: {
    target: { type: 'str', required: true, aliases: ['path'] },
    ftype: { type: 'str', default: 'a' },
    setype: { type: 'str' },
    substitute: { type: 'str', aliases: ['equal'] },
    seuser: { type: 'str' },
    selevel: { type: 'str', aliases: ['serange'] },
    state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
    reload: { type: 'bool', default: true },
    ignore_selinux_state: { type: 'bool', default: false },
  },
  async run(ctx) {
    const target = ctx.args['target'] as string;
    if (await selinuxEnabled(ctx)) throw new ModuleError(`sefcontext ${target}: managing file contexts in an image tree is not supported (needs semanage)`);
    if (ctx.args['state'] === 'absent') return { changed: false, target, state: 'absent', msg: 'SELinux is not enabled in the target: no file context to remove' };
    throw new ModuleError(`sefcontext ${target}: ${NOT_INSTALLED}`);
  },
};
