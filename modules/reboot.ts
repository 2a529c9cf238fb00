import { ModuleError } from '../src/core/errors.js';
import type { ModuleDefinition } from './module.js';

/**
 * ansible.builtin.reboot, for image trees: a tree (chroot, nspawn) has no running system to restart, so the
 * task is ok with changed=false, rebooted=false and a msg saying so; the next task's command starts from a
 * fresh state anyway. On any other connection (`local`...) it refuses: playtree never restarts a running system.
 * Every Ansible argument is accepted (msg, pre/post_reboot_delay, reboot_timeout, test_command,
 * reboot_command, boot_time_command, search_paths, connect_timeout) and none is used.
 */
export const rebootModule: ModuleDefinition = {
  name: 'reboot',
  args: {
    msg: { type: 'str', default: 'Reboot initiated by Ansible' },
    pre_reboot_delay: { type: 'int', default: 0 },
    post_reboot_delay: { type: 'int', default: 0 },
    reboot_timeout: { type: 'int', default: 600 },
    connect_timeout: { type: 'int' },
    test_command: { type: 'str' },
    reboot_command: { type: 'str' },
    boot_time_command: { type: 'str' },
    search_paths: { type: 'list', elements: 'str' },
  },
  async run(ctx) {
    const transport = ctx.target.transport ?? 'local';
    const kind = transport.split('.').pop();
    if (kind !== 'chroot' && kind !== 'nspawn') {
      throw new ModuleError(`reboot refuses to restart a running system (connection ${transport}); playtree only stands in for a reboot in an image tree (chroot, nspawn)`);
    }
    return { changed: false, rebooted: false, elapsed: 0, msg: `nothing to reboot: ${ctx.host} is an image tree (connection ${transport}), not a running system` };
  },
};
