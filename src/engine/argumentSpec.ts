import { validateModuleArgs } from '../../modules/args.js';
import type { ArgSpec, ArgType, ModuleDefinition, ModuleResult } from '../../modules/module.js';
import { ModuleError } from '../core/errors.js';
import { isUndefined } from '../template/index.js';
import type { Invocation } from './invokeModule.js';

/**
 * `validate_argument_spec` (the task a role with an argument spec starts with, or written by hand): the
 * spec's options are checked against the task's variables of those names and `provided_arguments`, with the
 * type conversions, `required`, `choices` and `elements` modules use. Ansible's other spec features
 * (mutually_exclusive, required_if...) are not checked.
 */
export function isValidateArgumentSpec(action: string): boolean {
  return action === 'validate_argument_spec' || action.endsWith('.validate_argument_spec');
}

const ARG_TYPES: readonly string[] = ['str', 'bool', 'int', 'float', 'list', 'dict', 'path', 'raw'];

export function runValidateArgumentSpec(invocation: Invocation): ModuleResult {
  const { templar, task } = invocation;
  const args = templar.render(typeof task.args === 'string' ? {} : task.args) as Record<string, unknown>;
  const options = (args['argument_spec'] ?? {}) as Record<string, Record<string, unknown>>;
  const provided = (args['provided_arguments'] ?? {}) as Record<string, unknown>;
  const given: Record<string, unknown> = {};
  for (const name of Object.keys(options)) {
    if (!(name in invocation.vars)) continue;
    const value = templar.evaluate(name);
    if (!isUndefined(value)) given[name] = value;
  }
  Object.assign(given, provided);
  const module: ModuleDefinition = { name: 'validate_argument_spec', args: specsOf(options), anyArgs: true, run: async () => ({ changed: false }) };
  const base = { changed: false, argument_spec_data: options, validate_args_context: args['validate_args_context'] ?? {} };
  try {
    validateModuleArgs(module, given);
  } catch (error) {
    if (!(error instanceof ModuleError)) throw error;
    return { ...base, failed: true, msg: `Validation of arguments failed:\n${error.message}`, argument_errors: [error.message] };
  }
  return { ...base, msg: 'The arg spec validation passed', argument_errors: [] };
}

/** Ansible option specs as module ArgSpecs (an unknown type is taken as raw). */
function specsOf(options: Record<string, Record<string, unknown>>): Record<string, ArgSpec> {
  const specs: Record<string, ArgSpec> = {};
  for (const [name, option] of Object.entries(options)) {
    const type = typeof option['type'] === 'string' && ARG_TYPES.includes(option['type']) ? (option['type'] as ArgType) : option['type'] === undefined ? 'str' : 'raw';
    const spec: ArgSpec = { type };
    if (option['required'] === true) spec.required = true;
    if (Array.isArray(option['choices'])) spec.choices = option['choices'];
    if (typeof option['elements'] === 'string' && ARG_TYPES.includes(option['elements'])) spec.elements = option['elements'] as ArgType;
    if (Array.isArray(option['aliases'])) spec.aliases = option['aliases'].map(String);
    specs[name] = spec;
  }
  return specs;
}
