import { ParseError, type SourcePosition } from '../core/errors.js';
import { Templar } from '../template/index.js';
import { loadTimeVariables, type LoadContext } from './loadContext.js';

/**
 * A static import's name (import_tasks, import_role and its *_from, import_playbook) may be a template:
 * as in ansible-core it is rendered at load time, with what is known then (loadTimeVariables). A name
 * that needs more (facts, inventory vars, set_fact) is an error naming the dynamic alternative.
 */
export function renderStaticName(name: string, ctx: LoadContext, at: SourcePosition, what: string, dynamic?: string): string {
  if (!name.includes('{{') && !name.includes('{%')) return name;
  try {
    return String(new Templar(loadTimeVariables(ctx)).render(name));
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const instead = dynamic ? `; use ${dynamic} for values known only at run time` : '';
    throw new ParseError(`${what} is rendered at load time, with play vars and extra vars only, and ${reason}${instead}`, at);
  }
}
