import { argsFromFreeForm } from '../../modules/args.js';
import { loadModule } from '../../modules/index.js';
import type { Playbook, TaskItem } from '../playbook/types.js';

/**
 * What ansible-playbook rejects before running anything, beyond the loader's checks: a module's `k=v`
 * text with words it cannot take (`debug: msg=two words`). Throws the ParseError (file:line:col, exit 4).
 */
export async function checkPlaybook(playbook: Playbook): Promise<void> {
  for (const play of playbook.plays) {
    const lists = [play.preTasks, play.tasks, play.postTasks, play.handlers, ...play.roles.flatMap((r) => [r.role.tasks, r.role.handlers])];
    for (const items of lists) await checkItems(items);
  }
}

async function checkItems(items: readonly TaskItem[]): Promise<void> {
  for (const item of items) {
    if (item.kind === 'block') {
      await checkItems(item.block);
      await checkItems(item.rescue);
      await checkItems(item.always);
      continue;
    }
    // A library/ module that does not load (or is Python) fails its task when it runs, not here.
    const module = typeof item.args === 'string' ? await loadModule(item.action).catch(() => undefined) : undefined;
    if (module) argsFromFreeForm(module, item.args as string, item.actionPosition);
  }
}
