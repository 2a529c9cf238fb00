import { ModuleError } from '../src/core/errors.js';
import type { ModuleDefinition } from './module.js';

/**
 * ansible.builtin.ping: proves the target answers by running the shell's `:` built-in there (one round trip;
 * a built-in needs nothing from the tree's PATH), then returns `ping: <data>`. `data=crash` fails, as in Ansible.
 */
export const pingModule: ModuleDefinition = {
  name: 'ping',
  args: { data: { type: 'str', default: 'pong' } },
  async run(ctx) {
    const data = ctx.args['data'] as string;
    if (data === 'crash') throw new ModuleError('boom');
    const answer = await ctx.target.exec(':');
    if (answer.rc !== 0) {
      throw new ModuleError(`the target's shell did not answer (rc ${answer.rc}): ${answer.stderr.toString('utf8').trim()}; check ansible_executable and the connection`, { rc: answer.rc });
    }
    return { changed: false, ping: data };
  },
};
