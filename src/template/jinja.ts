/**
 * The Jinja2 machinery: nunjucks' lexer, parser and compiler with our changes, the runtime, every filter and
 * test, the template globals (`lookup()`, `range()`...), template files and the lookups' context. A run loads
 * it the first time a string holds template syntax (jinjaLoader.ts), so a play whose values are plain text
 * never pays for it.
 */
import './builtins.js';
import './lookupContext.js';

export { compileTemplate } from './compiler.js';
export { contextFromVariables } from './lookupContext.js';
export { RenderContext, runTemplate } from './runtime.js';
export { templateGlobals } from './templateGlobals.js';
export { renderTemplateFile, templateFileVars, templateSearchPath, templateSyntaxOf } from './templateFiles.js';
