import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SourcePosition } from '../core/errors.js';
import { isMapping } from './keywords.js';
import type { LoadContext } from './loadContext.js';
import type { Role, Task } from './types.js';
import { readYamlFile } from '../core/yamlSource.js';

/**
 * Role argument specs (meta/argument_specs.yml, or `argument_specs` in meta/main.yml): as ansible-core does,
 * a role with a spec for its entry point (`main` or the tasks_from name) gets a first task,
 * `validate_argument_spec`, named "Validating arguments against arg spec 'NAME' - short description" and
 * tagged always, that checks the role's variables against the spec's options.
 */
export async function argumentSpecTask(role: Role, tasksFrom: string | undefined, ctx: LoadContext): Promise<Task | undefined> {
  const found = await readSpecs(role, ctx);
  if (!found) return undefined;
  const entryPoint = (tasksFrom ?? 'main').replace(/\.(ya?ml|json)$/, '');
  const spec = found.specs[entryPoint];
  if (!isMapping(spec)) return undefined;
  const description = typeof spec.short_description === 'string' ? ` - ${spec.short_description}` : '';
  const position: SourcePosition = { file: found.file, line: 1, column: 1 };
  return {
    kind: 'task',
    name: `Validating arguments against arg spec '${entryPoint}'${description}`,
    action: 'validate_argument_spec',
    args: {
      argument_spec: isMapping(spec.options) ? spec.options : {},
      provided_arguments: {},
      validate_args_context: { argument_spec_name: entryPoint, name: role.name, path: role.path, type: 'role' },
    },
    actionPosition: position,
    position,
    when: [],
    tags: ['always'],
    vars: {},
    notify: [],
    listen: [],
    role,
  };
}

async function readSpecs(role: Role, ctx: LoadContext): Promise<{ file: string; specs: Record<string, unknown> } | undefined> {
  const candidates = ['argument_specs.yml', 'argument_specs.yaml', 'main.yml', 'main.yaml', 'main.json', 'main'].map((name) => join(role.path, 'meta', name));
  for (const file of candidates.filter((candidate) => existsSync(candidate))) {
    const yaml = await readYamlFile(file);
    ctx.warnings.push(...yaml.warnings);
    if (isMapping(yaml.value) && isMapping(yaml.value.argument_specs)) return { file, specs: yaml.value.argument_specs };
    if (file.includes('argument_specs')) return undefined;
  }
  return undefined;
}
