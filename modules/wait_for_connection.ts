import type { ModuleDefinition } from './module.js';

/**
 * ansible.builtin.wait_for_connection: connect_timeout, delay, sleep, timeout. The connection is already
 * open when a task runs (a tree or the local machine does not reboot under us), so the target is asked once
 * to answer (the shell's `:`) after `delay`; `elapsed` is the whole seconds that took. A target that does not
 * answer fails at once, not after `timeout`.
 */
export const waitForConnectionModule: ModuleDefinition = {
  name: 'wait_for_connection',
  args: {
    connect_timeout: { type: 'int', default: 5 },
    delay: { type: 'int', default: 0 },
    sleep: { type: 'int', default: 1 },
    timeout: { type: 'int', default: 600 },
  },
  async run(ctx) {
    const start = Date.now();
    const delay = ctx.args['delay'] as number;
    if (delay > 0 && !ctx.check) await new Promise((resolve) => setTimeout(resolve, delay * 1000));
    const answer = await ctx.target.exec(':');
    const elapsed = Math.floor((Date.now() - start) / 1000);
    if (answer.rc !== 0) return { changed: false, failed: true, elapsed, msg: `timed out waiting for ping module test: the target's shell answered rc ${answer.rc}` };
    return { changed: false, elapsed };
  },
};
