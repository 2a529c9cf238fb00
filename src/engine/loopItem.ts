import type { Task } from '../playbook/types.js';
import type { Templar } from '../template/index.js';

/**
 * The variables one loop item brings, as ansible-core's task executor sets them: the loop variable and
 * `ansible_loop_var`; with `index_var`, that variable and `ansible_index_var`; with `extended`,
 * `ansible_loop`. The item's result carries the same keys.
 */
export function loopItemVars(control: Task['loopControl'], items: readonly unknown[], index: number, templar: Templar): Record<string, unknown> {
  // The names may be templates (`loop_var: "{{ name }}"`), worked out with the task's variables.
  const loopVar = String(templar.render(control?.loopVar ?? 'item'));
  const vars: Record<string, unknown> = { [loopVar]: items[index], ansible_loop_var: loopVar };
  if (control?.indexVar) {
    const indexVar = String(templar.render(control.indexVar));
    vars[indexVar] = index;
    vars['ansible_index_var'] = indexVar;
  }
  if (control?.extended) vars['ansible_loop'] = extendedLoop(items, index, control.extendedAllitems !== false);
  return vars;
}

function extendedLoop(items: readonly unknown[], index: number, allitems: boolean): Record<string, unknown> {
  const length = items.length;
  const loop: Record<string, unknown> = {
    index: index + 1,
    index0: index,
    first: index === 0,
    last: index + 1 === length,
    length,
    revindex: length - index,
    revindex0: length - index - 1,
  };
  // extended_allitems: false leaves out the list, which can be big (ansible-core 2.14).
  if (allitems) loop['allitems'] = items;
  if (index + 1 < length) loop['nextitem'] = items[index + 1];
  if (index > 0) loop['previtem'] = items[index - 1];
  return loop;
}

/** loop_control.pause: the wait before every item but the first. */
export function pauseBeforeItem(control: Task['loopControl'], index: number): Promise<void> | undefined {
  const seconds = control?.pause ?? 0;
  if (index === 0 || seconds <= 0) return undefined;
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/** How an item is shown on its result line: loop_control `label` (templated with the item's variables), else the item. */
export function itemLabel(control: Task['loopControl'], item: unknown, itemTemplar: Templar): unknown {
  return control?.label === undefined ? item : itemTemplar.render(control.label);
}
