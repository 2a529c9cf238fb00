import { ModuleError, ParseError, type SourcePosition } from '../src/core/errors.js';
import { toBoolean } from '../src/core/boolean.js';
import { ArgumentSplitError, parseKeyValue, parseKv } from '../src/core/kvSplit.js';
import type { ArgSpec, ArgType, ModuleDefinition } from './module.js';

/** The actions Ansible lets take words that are not `k=v` (named in the error for other modules). */
const RAW_PARAM_ACTIONS = [
  'command', 'shell', 'raw', 'script', 'include', 'include_vars', 'include_tasks', 'include_role', 'import_tasks',
  'import_role', 'add_host', 'group_by', 'set_fact', 'meta',
];

/**
 * The engine's one entry point for a task written as a string (`copy: src=a dest=b`, `command: chdir=/t ls`,
 * `action: ...` after the module word): returns the arguments object to merge over the task's `args:` and
 * hand to validateModuleArgs. As Ansible's ModuleArgsParser:
 * - free-form modules (`freeForm` set) keep everything except FREE_FORM_OPTION_NAMES (`chdir=`, `creates=`...)
 *   as their free-form text, under the `freeForm` name;
 * - other modules take every `k=v` word; leftover words that hold a template become `_variable_params` (the
 *   engine renders that to a dict of arguments, Ansible's old `copy: "{{ args }}"` form); leftover plain words
 *   are a ParseError at `position`, as are unbalanced quotes or `{{ }}`.
 */
export function argsFromFreeForm(module: ModuleDefinition, text: string, position?: SourcePosition): Record<string, unknown> {
  let options: Record<string, string>;
  try {
    options = parseKv(text, module.freeForm !== undefined);
  } catch (error) {
    if (error instanceof ArgumentSplitError) throw new ParseError(`${error.message}; try quoting the whole value`, position);
    throw error;
  }
  const { _raw_params: raw, ...args } = options;
  if (raw === undefined || raw === '') return args;
  if (module.freeForm !== undefined) return { ...args, [module.freeForm]: raw };
  if (module.anyArgs) return { ...args, _raw_params: raw };
  if (/\{\{|\{%/.test(raw)) return { ...args, _variable_params: raw };
  throw new ParseError(
    `this task '${module.name}' has extra params, which is only allowed in the following modules: ${RAW_PARAM_ACTIONS.join(', ')}`,
    position,
  );
}


function convert(name: string, value: unknown, type: ArgType, elements?: ArgType): unknown {
  const bad = (what: string) =>
    new ModuleError(`argument '${name}' is of type ${typeof value} and we were unable to convert to ${what}: ${JSON.stringify(value)}`);
  switch (type) {
    case 'raw':
      return value;
    case 'str':
    case 'path':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw bad('str');
    case 'bool': {
      const b = toBoolean(value);
      if (b === undefined) throw bad('bool');
      return b;
    }
    case 'int': {
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) return parseInt(value, 10);
      throw bad('int');
    }
    case 'float': {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
      if (Number.isNaN(n)) throw bad('float');
      return n;
    }
    case 'list': {
      const list = Array.isArray(value)
        ? value
        : typeof value === 'string'
          ? value.split(',').map((s) => s.trim()).filter((s) => s !== '')
          : value === null
            ? []
            : [value];
      return elements ? list.map((item, i) => convert(`${name}[${i}]`, item, elements)) : list;
    }
    case 'dict':
      if (value && typeof value === 'object' && !Array.isArray(value)) return value;
      if (typeof value === 'string') {
        const { pairs, rest } = parseKeyValue(value);
        if (!rest) return pairs;
      }
      throw bad('dict');
  }
}

interface SpecIndex {
  /** Argument name by every name it answers to (its own and its aliases). */
  byName: Map<string, string>;
  specs: Array<[string, ArgSpec]>;
}

/** Built once per module's argument spec (a module's spec is fixed), not for every task. */
const specIndexes = new WeakMap<Record<string, ArgSpec>, SpecIndex>();

function specIndex(args: Record<string, ArgSpec>): SpecIndex {
  let index = specIndexes.get(args);
  if (!index) {
    const specs = Object.entries(args);
    const byName = new Map<string, string>();
    for (const [name, spec] of specs) {
      byName.set(name, name);
      for (const alias of spec.aliases ?? []) byName.set(alias, name);
    }
    index = { byName, specs };
    specIndexes.set(args, index);
  }
  return index;
}

/**
 * Check a task's arguments against a module's spec: unknown names are errors, aliases map to their
 * argument, values are converted to their declared type, defaults filled in, required ones enforced.
 */
export function validateModuleArgs(module: ModuleDefinition, given: Record<string, unknown>): Record<string, unknown> {
  const { byName, specs } = specIndex(module.args);
  const out: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(given)) {
    const name = byName.get(key);
    if (!name) {
      if (module.anyArgs) out[key] = value;
      else unknown.push(key);
      continue;
    }
    const spec = module.args[name]!;
    if (value === null || value === undefined) {
      out[name] = spec.type === 'list' ? [] : undefined;
      continue;
    }
    out[name] = convert(name, value, spec.type, spec.elements);
    if (spec.choices && !spec.choices.includes(out[name])) {
      throw new ModuleError(`value of ${name} must be one of: ${spec.choices.join(', ')}, got: ${String(out[name])}`);
    }
  }
  if (unknown.length) {
    const supported = Object.keys(module.args).filter((n) => !n.startsWith('_')).sort().join(', ');
    throw new ModuleError(`Unsupported parameters for (${module.name}) module: ${unknown.sort().join(', ')}. Supported parameters include: ${supported}.`);
  }
  for (const [name, spec] of specs) {
    if (out[name] === undefined && spec.default !== undefined) out[name] = spec.default;
    if (spec.required && (out[name] === undefined || out[name] === null)) {
      throw new ModuleError(`missing required arguments: ${name}`);
    }
    if (!(name in out)) out[name] = undefined;
  }
  return out;
}
