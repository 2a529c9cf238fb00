import { jinja } from './jinjaLoader.js';

/**
 * The templating layer: Jinja2 as Ansible users write it, on nunjucks. The compiler, filters, template files
 * and lookups' context (jinja.ts) load the first time something is templated: the functions below reach
 * them through jinjaLoader.ts.
 */
export { createTemplar, hasTemplateSyntax, markUnsafe, Templar, TEMPLATED_ON_ACCESS, type TemplateVariables } from './templar.js';
export { isOmit, OMIT, removeOmit } from './omit.js';
export { isUndefined, UndefinedVariableError } from '../core/undefinedValue.js';
export { pyStr } from '../core/pythonValues.js';
export type { TemplateFileOptions } from './templateFiles.js';
export type { TemplateSyntax } from './compiler.js';
export { VARIABLE_NAMES, type VariableGetter } from '../../lookups/lookup.js';

type Jinja = typeof import('./jinja.js');

export const renderTemplateFile: Jinja['renderTemplateFile'] = (...args) => jinja().renderTemplateFile(...args);
export const templateFileVars: Jinja['templateFileVars'] = (...args) => jinja().templateFileVars(...args);
export const templateSearchPath: Jinja['templateSearchPath'] = (...args) => jinja().templateSearchPath(...args);
export const templateSyntaxOf: Jinja['templateSyntaxOf'] = (...args) => jinja().templateSyntaxOf(...args);
export const contextFromVariables: Jinja['contextFromVariables'] = (...args) => jinja().contextFromVariables(...args);
