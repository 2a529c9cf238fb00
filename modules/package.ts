import { ModuleError } from '../src/core/errors.js';
import { aptModule } from './apt.js';
import type { ModuleDefinition } from './module.js';

/**
 * ansible.builtin.package: name, state (present, absent, latest), use. As
 * Ansible's package action hands every other argument to the package manager's module, this takes apt's
 * arguments too (`update_cache`, `install_recommends`...). playtree knows apt only: `use` may be auto or apt.
 */
export const packageModule: ModuleDefinition = {
  name: 'package',
  args: {
    ...aptModule.args,
    use: { type: 'str', default: 'auto' },
  },
  async run(ctx) {
    const { use, ...aptArgs } = ctx.args;
    if (use !== 'auto' && use !== 'apt') throw new ModuleError(`use: '${String(use)}' is not supported: playtree installs packages with apt only (auto, apt)`);
    return aptModule.run({ ...ctx, args: aptArgs });
  },
};
