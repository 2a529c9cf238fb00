import type { ModuleDefinition } from './module.js';

/** ansible.builtin.fail: fails the host with `msg` (default "Failed as requested from task"). */
export const failModule: ModuleDefinition = {
  name: 'fail',
  local: true,
  args: { msg: { type: 'raw', default: 'Failed as requested from task' } },
  run: async (ctx) => ({ changed: false, failed: true, msg: ctx.args['msg'] as string }),
};
