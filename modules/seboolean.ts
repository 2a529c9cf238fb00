import { ModuleError } from '../src/core/errors.js';
import type { ModuleDefinition } from './module.js';
import { NOT_INSTALLED, selinuxEnabled } from './selinuxConfig.js';

/**
 * ansible.posix.seboolean: name, state, persistent, ignore_selinux_state. Only what a tree without SELinux
 * allows: a boolean asked to be off is already off there (ok); anything else fails saying SELinux is not
 * installed or not enabled (booleans need the running policy tools).
 */
export const sebooleanModule: ModuleDefinition = {
  name: 'seboolean',
  args: {
    name: { type: 'str', required: true },
    state: { type: 'bool', required: true },
    persistent: { type: 'bool', default: false },
    ignore_selinux_state: { type: 'bool', default: false },
  },
  async run(ctx) {
    const name = ctx.args['name'] as string;
    if (await selinuxEnabled(ctx)) throw new ModuleError(`seboolean ${name}: setting SELinux booleans in an image tree is not supported (no running policy)`);
    if (ctx.args['state'] === false) return { changed: false, name, state: false, msg: 'SELinux is not enabled in the target: the boolean is off' };
    throw new ModuleError(`seboolean ${name}: ${NOT_INSTALLED}`);
  },
};
