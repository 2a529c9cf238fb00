import { TemplateError } from '../core/errors.js';
// Patches nunjucks' lexer and parser for the sources lexed with `jinja: true` (ours).
import './jinjaSyntax.js';
import './jinjaStatements.js';
import { pythonSemantics } from './pythonSemantics.js';
import { statementCompilers } from './statementCompiler.js';
import {
  nunjucksCompiler,
  nunjucksParser,
  nunjucksRuntime,
  nunjucksTransformer,
  type NunjucksCompiler,
  type TemplateNode,
} from './nunjucksInternals.js';
import type { TemplateSyntax } from './templateOptions.js';

export type { TemplateSyntax } from './templateOptions.js';

/**
 * Compiles Jinja2 source with nunjucks' parser, but emits code with Python semantics: conditions use
 * Python truthiness, `and`/`or` return an operand, `==` compares deeply, `+` joins lists, `~` uses str(),
 * tuples are lists and dict keys are expressions. Compiled templates are cached by source.
 */

export type RootRenderFunction = (
  env: unknown,
  context: unknown,
  frame: unknown,
  runtime: unknown,
  callback: (error: unknown, result: unknown) => void,
) => void;

export interface CompiledTemplate {
  root: RootRenderFunction;
  /** True when the source is exactly one `{{ expression }}`: the result is the native value. */
  native: boolean;
}

/**
 * - `native`: a variable or task argument; one `{{ expression }}` gives its native value, and string
 *   literals inside `{{ }}` keep their backslashes (Ansible's escape_backslashes);
 * - `expression`: a bare expression wrapped in `{{ }}` (`when`, `that`): native, Python string escapes;
 * - `text`: a template file: always text, Python string escapes.
 */
export type TemplateMode = 'native' | 'expression' | 'text';

// Ansible's Templar uses trim_blocks=True and lstrip_blocks=False for both strings and files.
function lexerOptions(mode: TemplateMode, syntax?: TemplateSyntax) {
  const options = { trimBlocks: true, lstripBlocks: false, jinja: true, rawStringsInVariables: mode === 'native' };
  if (!syntax) return options;
  const { trimBlocks = true, lstripBlocks = false, lineStatementPrefix: _statements, lineCommentPrefix: _comments, ...tags } = syntax;
  return { ...options, trimBlocks, lstripBlocks, tags };
}

function newCompiler(): NunjucksCompiler {
  const compiler = new nunjucksCompiler.Compiler('template', false);
  Object.assign(compiler, pythonSemantics, statementCompilers);
  return compiler;
}

function singleExpression(ast: TemplateNode): TemplateNode | undefined {
  if (ast.children.length !== 1) return undefined;
  const output = ast.children[0]!;
  if (output.typename !== 'Output' || output.children.length !== 1) return undefined;
  const expression = output.children[0]!;
  return expression.typename === 'TemplateData' ? undefined : expression;
}

function nativeRootCode(expression: TemplateNode): string {
  const compiler = newCompiler();
  compiler._emitLine('function root(env, context, frame, runtime, cb) {');
  compiler._emitLine('var lineno = 0; var colno = 0; var result;');
  compiler._emit('try { result = ');
  compiler._compileExpression(expression, new nunjucksRuntime.Frame());
  compiler._emitLine('; } catch (e) { cb(runtime.handleError(e, lineno, colno)); return; }');
  compiler._emitLine('cb(null, result);');
  compiler._emitLine('}');
  compiler._emitLine('return { root: root };');
  return compiler.getCode();
}

/** The source line a nunjucks error points at (or the whole source when it is one line). */
function sourceLine(source: string, lineno: number | undefined): string | undefined {
  if (lineno) return source.split('\n')[lineno - 1];
  return source.includes('\n') ? undefined : source;
}

function templateSyntaxError(source: string, error: unknown): TemplateError {
  const raw = error instanceof Error ? error.message : String(error);
  // nunjucks' parser reads past the last token without checking: that is a template that ends too early.
  const cut = /Cannot read properties of (null|undefined)/.test(raw) ? 'unexpected end of template' : raw;
  const reason = cut.replace(/^\(unknown path\)\s*/, '').replace(/\[Line \d+, Column \d+\]\s*/, '').replace(/\s+/g, ' ').trim();
  const lineno = (error as { lineno?: number }).lineno;
  const where = source.includes('\n') && lineno ? ` at line ${lineno}` : '';
  const line = sourceLine(source, lineno);
  return new TemplateError(`template syntax error${where}: ${reason}${line === undefined ? '' : ` in "${line.trim()}"`}`);
}

/**
 * Line statements and comments become ordinary tags: `: if x` on its own line reads as `{% if x +%}`
 * (the line and its newline go, as in Jinja2), a line comment is cut off.
 */
function withLineStatements(source: string, syntax: TemplateSyntax): string {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let out = source;
  if (syntax.lineCommentPrefix) out = out.replace(new RegExp(`[ \\t]*${escape(syntax.lineCommentPrefix)}.*$`, 'gm'), '');
  if (syntax.lineStatementPrefix) {
    const [start, end] = [syntax.blockStart ?? '{%', syntax.blockEnd ?? '%}'];
    out = out.replace(new RegExp(`^[ \\t]*${escape(syntax.lineStatementPrefix)}(.*)(\\n|$)`, 'gm'), (_line, statement: string) => `${start} ${statement.trim()} +${end}`);
  }
  return out;
}

function compileUncached(source: string, mode: TemplateMode, syntax?: TemplateSyntax): CompiledTemplate {
  let code: string;
  let native = false;
  try {
    const ast = nunjucksParser.parse(syntax ? withLineStatements(source, syntax) : source, [], lexerOptions(mode, syntax));
    const expression = mode === 'text' ? undefined : singleExpression(ast);
    if (expression) {
      native = true;
      code = nativeRootCode(expression);
    } else {
      const compiler = newCompiler();
      compiler.compile(nunjucksTransformer.transform(ast, [], 'template'));
      code = compiler.getCode();
    }
  } catch (error) {
    throw templateSyntaxError(source, error);
  }
  const props = new Function(code)() as { root: RootRenderFunction };
  return { root: props.root, native };
}

const compiled = new Map<string, CompiledTemplate>();
const CACHE_LIMIT = 20000;

export function compileTemplate(source: string, mode: TemplateMode, syntax?: TemplateSyntax): CompiledTemplate {
  const key = syntax ? `${mode.charAt(0)}${JSON.stringify(syntax)}\u0000${source}` : mode.charAt(0) + source;
  let template = compiled.get(key);
  if (!template) {
    template = compileUncached(source, mode, syntax);
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(key, template);
  }
  return template;
}

/** How many distinct sources are compiled and cached (tests check that a repeated source compiles once). */
export function compiledTemplateCount(): number {
  return compiled.size;
}
