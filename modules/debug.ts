import { TemplateError } from '../src/core/errors.js';
import { isUndefined, UndefinedVariableError } from '../src/core/undefinedValue.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';

/**
 * ansible.builtin.debug: `msg` (default "Hello world!") or `var` (an expression; the result key is the
 * expression as written, "VARIABLE IS NOT DEFINED!" when it is undefined), and `verbosity`.
 * Above the run's -v level the task is skipped without evaluating anything, as Ansible's action does.
 */
async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const { msg, var: expression, verbosity } = ctx.args as { msg?: unknown; var?: unknown; verbosity: number };
  if (msg !== undefined && expression !== undefined) {
    return { changed: false, failed: true, msg: "'msg' and 'var' are incompatible options" };
  }
  if (verbosity > ctx.verbosity) return { changed: false, skipped: true, skipped_reason: 'Verbosity threshold not met.' };
  if (expression === undefined) return shown('msg', (msg ?? 'Hello world!') as string);
  // Ansible keys a list or dict `var` by its Python type and never evaluates it
  if (typeof expression !== 'string') return shown(`<class '${Array.isArray(expression) ? 'list' : 'dict'}'>`, NOT_DEFINED);
  return shown(expression, valueOf(ctx, expression));
}

/** The result showing `key` (a literal, not `{ ...base, key }`, which costs Node 20 a hidden class per task). */
function shown(key: string, value: unknown): ModuleResult {
  return { changed: false, _ansible_verbose_always: true, [key]: value };
}

const NOT_DEFINED = 'VARIABLE IS NOT DEFINED!';

function valueOf(ctx: ModuleContext, expression: string): unknown {
  try {
    const value = /\{\{|\{%/.test(expression) ? ctx.render(expression) : ctx.evaluate(expression);
    return value === undefined || isUndefined(value) ? NOT_DEFINED : value;
  } catch (error) {
    if (error instanceof UndefinedVariableError || (error instanceof TemplateError && /undefined/i.test(error.message))) return NOT_DEFINED;
    throw error;
  }
}

export const debugModule: ModuleDefinition = {
  name: 'debug',
  local: true,
  args: { msg: { type: 'raw' }, var: { type: 'raw' }, verbosity: { type: 'int', default: 0 } },
  run,
};
