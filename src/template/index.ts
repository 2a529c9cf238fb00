/**
 * The templating layer: Jinja2 as Ansible users write it, on nunjucks. Loading it also installs template
 * files' {% include %}/{% import %} (templateFiles.ts) and lookup()'s context (lookupContext.ts).
 */
export { createTemplar, hasTemplateSyntax, markUnsafe, Templar, TEMPLATED_ON_ACCESS, type TemplateVariables } from './templar.js';
export { isOmit, OMIT, removeOmit } from './omit.js';
export { isUndefined, UndefinedVariableError } from '../core/undefinedValue.js';
export { pyStr } from '../core/pythonValues.js';
export { renderTemplateFile, templateFileVars, templateSearchPath, templateSyntaxOf, type TemplateFileOptions } from './templateFiles.js';
export type { TemplateSyntax } from './compiler.js';
// Loading lookupContext.ts also hands lookup()/query() their context builder (see templateGlobals.ts).
export { contextFromVariables, VARIABLE_NAMES, type VariableGetter } from './lookupContext.js';
