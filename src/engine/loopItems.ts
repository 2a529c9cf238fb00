import { TemplateError } from '../core/errors.js';
import type { Task } from '../playbook/types.js';
import { markUnsafe, type Templar } from '../template/index.js';
import { lookupPlugin } from '../../lookups/index.js';
import { contextFromVariables } from '../template/index.js';
import { LookupError } from '../../lookups/lookup.js';

/**
 * A task's loop items. `loop:` must template to a list. `with_<lookup>:` templates its value, turns it into
 * the lookup's terms as ansible-core's listify_lookup_plugin_terms does (a string is one term, a list its
 * items) and runs the lookup: `with_items` flattens one level, `with_dict` gives key/value pairs,
 * `with_sequence: start=0 end=3` counts, and so on for every lookup in lookups/.
 */
export function resolveLoop(task: Task, templar: Templar): unknown[] {
  if (task.loopWith === undefined) {
    const value = templar.render(task.loop);
    if (!Array.isArray(value)) {
      throw new TemplateError(
        `Invalid data passed to 'loop', it requires a list, got this instead: ${JSON.stringify(value)}. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.`,
      );
    }
    return value;
  }
  const plugin = lookupPlugin(task.loopWith);
  const terms = lookupTerms(task, templar);
  // The lookup reads variables as the task's templates do, through the templar's `vars` view.
  const variables = templar.evaluate('vars') as Record<string, unknown>;
  const items = plugin.run(terms, {}, contextFromVariables((name) => variables[name], actionSubdir(task.action)));
  if (!Array.isArray(items)) throw new TemplateError(`the '${task.loopWith}' lookup did not give a list for with_${task.loopWith}`);
  // A lookup's results are unsafe in Ansible: never templated again, nor what templates make of them.
  for (const item of items) markUnsafe(item);
  return items;
}

function lookupTerms(task: Task, templar: Templar): unknown[] {
  const raw = task.loop;
  let value: unknown;
  if (task.loopWith === 'first_found' && Array.isArray(raw)) {
    // first_found falls through names that do not render (an undefined variable in one of them).
    value = raw.flatMap((term) => {
      try {
        return [templar.render(term)];
      } catch {
        return [];
      }
    });
  } else value = templar.render(typeof raw === 'string' ? raw.trim() : raw);
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object' && !(value instanceof String)) {
    // A dict is one term for `dict`; indexed_items and list want a list; the others iterate it as Python does: its keys.
    if (task.loopWith === 'indexed_items' || task.loopWith === 'list') throw new LookupError(`with_${task.loopWith} expects a list`);
    return task.loopWith === 'dict' ? [value] : Object.keys(value);
  }
  return [value];
}

/** The folder a `with_first_found` searches under, after the action (template → templates, include_vars → vars). */
function actionSubdir(action: string): string {
  if (action.includes('template')) return 'templates';
  if (action.includes('var')) return 'vars';
  return 'files';
}
