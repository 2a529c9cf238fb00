/** The templating layer: Jinja2 as Ansible users write it, on nunjucks. */
export { createTemplar, hasTemplateSyntax, markUnsafe, Templar, TEMPLATED_ON_ACCESS, type TemplateVariables } from './templar.js';
export { isOmit, OMIT, removeOmit } from './omit.js';
export { isUndefined, UndefinedVariableError } from './undefinedValue.js';
export { pyStr } from './pythonValues.js';
export { renderTemplateFile, templateFileVars, templateSearchPath, templateSyntaxOf, type TemplateFileOptions } from './templateFiles.js';
export type { TemplateSyntax } from './compiler.js';
