import { ModuleError } from '../src/core/errors.js';
import { pyTruthy } from '../src/core/pythonValues.js';
import { toBoolean } from '../src/core/boolean.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';

/**
 * ansible.builtin.assert: each `that` expression (a string or a list) is evaluated as a `when:` condition,
 * with Python truthiness; the first false one fails the host with `fail_msg` (or `msg`, default "Assertion
 * failed"), `assertion` and `evaluated_to`. Otherwise `success_msg` (default "All assertions passed").
 * `quiet` drops the always-verbose flag. A whole-string `{{ }}` wrapper is evaluated as its inner expression.
 */
async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const args = ctx.args;
  if (args['that'] === undefined || args['that'] === null) throw new ModuleError('conditional required in "that" string');
  const failMsg = messageArg(args['fail_msg'] ?? args['msg'], 'Assertion failed', 'fail_msg or msg');
  const successMsg = messageArg(args['success_msg'], 'All assertions passed', 'success_msg');
  const quiet = toBoolean(args['quiet']) === true;
  const thats = Array.isArray(args['that']) ? (args['that'] as unknown[]) : [args['that']];
  const result: ModuleResult = { changed: false };
  if (!quiet) result['_ansible_verbose_always'] = true;
  for (const that of thats) {
    if (!holds(ctx, that)) return { ...result, failed: true, evaluated_to: false, assertion: that, msg: failMsg as string };
  }
  // a list of lines is kept as a list, as Ansible does
  return { ...result, msg: successMsg as string };
}

function holds(ctx: ModuleContext, that: unknown): boolean {
  if (typeof that !== 'string') return pyTruthy(that);
  const wrapped = /^\s*\{\{(.*)\}\}\s*$/s.exec(that);
  const expression = wrapped && !wrapped[1]!.includes('}}') ? wrapped[1]! : that;
  try {
    return pyTruthy(ctx.evaluate(expression));
  } catch (error) {
    if (error instanceof ModuleError) throw error;
    throw new ModuleError(`The conditional check '${that}' failed. The error was: ${(error as Error).message}`);
  }
}

function messageArg(value: unknown, fallback: string, name: string): unknown {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  if (Array.isArray(value)) throw new ModuleError(`Type of one of the elements in ${name} list is not string type`);
  throw new ModuleError(`Incorrect type for ${name}, expected a string or list and got ${typeof value}`);
}

export const assertModule: ModuleDefinition = {
  name: 'assert',
  local: true,
  args: {
    that: { type: 'raw' },
    fail_msg: { type: 'raw' },
    msg: { type: 'raw' },
    success_msg: { type: 'raw' },
    quiet: { type: 'bool', default: false },
  },
  run,
};
