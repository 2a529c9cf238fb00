import { Templar } from './templar.js';
import { renderTemplateFile, templateFileVars, templateSearchPath, templateSyntaxOf } from './templateFiles.js';
import { useLookupContext } from './templateGlobals.js';
import { isUndefined } from '../core/undefinedValue.js';
import { VARIABLE_NAMES, type LookupContext, type VariableGetter } from '../../lookups/lookup.js';

/*
 * The top of the template layer: the context a lookup runs in needs a Templar and template files, which sit
 * above the template globals (`lookup()`/`query()`); this file hands its builder down to them when loaded
 * (jinja.ts loads it).
 */

export { VARIABLE_NAMES, type VariableGetter };

/**
 * The context a lookup runs in, from the variables of the template (or loop) that called it: a Templar
 * over those same variables renders what the lookup must render, and `ansible_search_path` and
 * `playbook_dir` say where files are.
 */
export function contextFromVariables(get: VariableGetter, subdir?: string): LookupContext {
  const variable = (name: string): unknown => {
    const value = get(name);
    return isUndefined(value) ? undefined : value;
  };
  let templar: Templar | undefined;
  const templarOf = (): Templar =>
    (templar ??= new Templar(
      new Proxy({} as Record<string, unknown>, {
        get: (_target, key) => (typeof key === 'string' ? variable(key) : undefined),
        has: (_target, key) => typeof key === 'string' && variable(key) !== undefined,
      }),
    ));
  const baseDir = stringOr(variable('playbook_dir'), process.cwd());
  const searchPath = variable('ansible_search_path');
  const context: LookupContext = {
    variable,
    variableNames: () => {
      const names = variable(VARIABLE_NAMES);
      return Array.isArray(names) ? names.map(String) : [];
    },
    render: (value, extra) => (extra ? templarOf().child(extra) : templarOf()).render(value),
    renderText: (text, extra) => templarOf().renderText(text, extra),
    renderFile: (name, path, vars, options) =>
      renderTemplateFile(templarOf(), path, {
        searchPath: templateSearchPath(context.searchPath, path, { lookup: true }),
        vars: { ...templateFileVars(name, path), ...vars },
        syntax: templateSyntaxOf(options),
      }),
    searchPath: Array.isArray(searchPath) ? searchPath.map(String) : [baseDir],
    baseDir,
    warn: (message) => void process.stderr.write(`[WARNING]: ${message}\n`),
  };
  if (subdir !== undefined) context.subdir = subdir;
  return context;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

useLookupContext(contextFromVariables);
