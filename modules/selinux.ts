import { ModuleError } from '../src/core/errors.js';
import { writeFileContent } from './fileWriter.js';
import type { ModuleDefinition } from './module.js';
import { NOT_INSTALLED, configValue, readSelinuxConfig, setConfigValue } from './selinuxConfig.js';

/**
 * ansible.posix.selinux: state, policy, configfile (conf, file), update_kernel_param is refused. In an image
 * tree only the config file matters (nothing runs, so no setenforce): SELINUX= and SELINUXTYPE= are written,
 * and reboot_required says a boot will apply them. On a tree without SELinux (no config file) `state:
 * disabled` is already true (ok, with a msg); enforcing or permissive fail saying what to install.
 */
export const selinuxModule: ModuleDefinition = {
  name: 'selinux',
  args: {
    policy: { type: 'str' },
    state: { type: 'str', required: true, choices: ['enforcing', 'permissive', 'disabled'] },
    configfile: { type: 'str', default: '/etc/selinux/config', aliases: ['conf', 'file'] },
    update_kernel_param: { type: 'bool', default: false },
  },
  async run(ctx) {
    const a = ctx.args;
    const state = a['state'] as string;
    const path = a['configfile'] as string;
    if (a['update_kernel_param']) throw new ModuleError('update_kernel_param is not supported: set selinux= on the kernel command line of the image (grub) yourself');
    const config = await readSelinuxConfig(ctx, path);
    const base = { configfile: path, state, policy: (a['policy'] as string | undefined) ?? null, reboot_required: false };
    if (config === undefined) {
      if (state === 'disabled') return { changed: false, ...base, msg: `SELinux is not installed in the target (no ${path}): it is disabled` };
      throw new ModuleError(NOT_INSTALLED.replace('/etc/selinux/config', path));
    }
    const policy = (a['policy'] as string | undefined) ?? configValue(config, 'SELINUXTYPE');
    if (state !== 'disabled' && !policy) throw new ModuleError("Policy is required if state is not 'disabled'");
    let text = setConfigValue(config, 'SELINUX', state);
    if (policy) text = setConfigValue(text, 'SELINUXTYPE', policy);
    const before = configValue(config, 'SELINUX');
    const messages: string[] = [];
    if (before !== state) messages.push(`Config SELinux state changed from '${before ?? ''}' to '${state}'`);
    if (policy && configValue(config, 'SELINUXTYPE') !== policy) messages.push(`Config SELinux policy changed from '${configValue(config, 'SELINUXTYPE') ?? ''}' to '${policy}'`);
    const written = await writeFileContent(ctx, { dest: path, data: Buffer.from(text), label: path });
    if (written.failed) throw new ModuleError(`could not write ${path}: ${String(written.msg)}`);
    return { ...base, policy: policy ?? null, changed: written.changed, reboot_required: written.changed, msg: messages.join(', ') };
  },
};
