import { ModuleError } from '../src/core/errors.js';
import { toBoolean } from '../src/core/boolean.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';

/**
 * ansible.builtin.set_fact: every argument but `cacheable` is a fact for the host (result `ansible_facts`).
 * The strings true/false/yes/no (any case) become booleans, as Ansible does without jinja2_native.
 * `cacheable` is reported as `_ansible_facts_cacheable` (there is no fact cache: the engine may ignore it).
 */
async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const { cacheable, ...given } = ctx.args;
  const facts: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const key = /\{\{|\{%/.test(rawKey) ? ctx.render(rawKey) : rawKey;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new ModuleError(`The variable name '${key}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.`);
    }
    facts[key] = typeof value === 'string' && ['true', 'false', 'yes', 'no'].includes(value.toLowerCase()) ? toBoolean(value) : value;
  }
  if (Object.keys(facts).length === 0) {
    throw new ModuleError('No key/value pairs provided, at least one is required for this action to succeed');
  }
  // boolean(strict=False): anything that is not a true word is false
  return { changed: false, ansible_facts: facts, _ansible_facts_cacheable: toBoolean(cacheable) === true };
}

export const setFactModule: ModuleDefinition = {
  name: 'set_fact',
  local: true,
  anyArgs: true,
  args: { cacheable: { type: 'bool', default: false } },
  run,
};
