import { TemplateError } from '../core/errors.js';
import type { CompiledTemplate, TemplateSyntax } from './compiler.js';
import { jinja } from './jinjaLoader.js';
import { parsePythonLiteral } from '../inventory/pythonLiteral.js';
import { pyStr, pyTruthy } from '../core/pythonValues.js';
import type { TemplateLoader } from './runtime.js';
import { undefinedVariable, UndefinedValue } from '../core/undefinedValue.js';

/** Variables as the engine hands them over: a plain object or a Proxy; read by name, never copied. */
export type TemplateVariables = Record<string, unknown>;

/**
 * Objects carrying this symbol (the engine's `hostvars`, say) are handed to templates as they are:
 * they template their own values on access, so the Templar must not walk them looking for `{{`.
 */
export const TEMPLATED_ON_ACCESS = Symbol.for('playtree.templatedOnAccess');

// Whole-inventory views: walking them to template every host's variables would defeat laziness.
const NEVER_WALKED = new Set(['hostvars', 'vars', 'groups']);

const SINGLE_VARIABLE = /^\{\{\s*\w*\s*\}\}$/;

export function hasTemplateSyntax(text: string): boolean {
  if (text.includes('{{') || text.includes('{%')) return true;
  // A lone `{#` is shell (`${#array[@]}`), not an unterminated Jinja2 comment.
  const comment = text.indexOf('{#');
  return comment >= 0 && text.includes('#}', comment + 2);
}

function isPlainContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && !(TEMPLATED_ON_ACCESS in value);
}

const templateFreeCache = new WeakMap<object, boolean>();

/**
 * Mark a value as data that is never templated again (Ansible's "unsafe"): a registered result holds what
 * a command printed, and `{{` in it is text, not a template. Marks objects; strings are left as they are.
 */
export function markUnsafe<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    templateFreeCache.set(value, true);
    unsafeObjects.add(value);
  }
  return value;
}

/** Objects marked unsafe (not merely found free of templates): what a template makes of them is unsafe too. */
const unsafeObjects = new WeakSet<object>();

/** A template's result that read an unsafe value is unsafe, as Ansible's: a marked copy of a container. */
function unsafeResult(value: unknown): unknown {
  if (!isPlainContainer(value) || unsafeObjects.has(value)) return value;
  return markUnsafe(Array.isArray(value) ? [...value] : { ...value });
}

/** Whether a value holds a template string anywhere inside (cached per object). */
function containsTemplate(value: unknown): boolean {
  if (typeof value === 'string') return hasTemplateSyntax(value);
  if (!isPlainContainer(value)) return false;
  const known = templateFreeCache.get(value);
  if (known !== undefined) return !known;
  const found = Array.isArray(value)
    ? value.some(containsTemplate)
    : Object.keys(value).some((key) => hasTemplateSyntax(key) || containsTemplate(value[key]));
  templateFreeCache.set(value, !found);
  return found;
}

function countTrailingNewlines(text: string): number {
  let count = 0;
  for (let i = text.length - 1; i >= 0 && text[i] === '\n'; i--) count++;
  return count;
}

/**
 * One line of text whose only template parts are `{{ name }}` or `{{ name.key }}`: its literal parts, and the
 * text with a marker for each (the shape). Task arguments that differ only in their literal text ("{{ root
 * }}/etc/a", "{{ root }}/etc/b") then share one compiled template, filled in after rendering. Literal parts
 * without braces or line breaks read as plain text whatever surrounds them, so the output is the same.
 */
const SIMPLE_TEXT = /^(?:[^{}\r\n]*\{\{ ?[A-Za-z_]\w*(?:\.\w+)* ?\}\})+[^{}\r\n]*$/;
const LITERAL_MARK = '\uE000';

function literalShape(text: string): { template: CompiledTemplate; literals: string[] } | undefined {
  if (!SIMPLE_TEXT.test(text) || text.includes(LITERAL_MARK)) return undefined;
  const literals: string[] = [];
  const parts = text.split(/(\{\{[^{}]*\}\})/);
  for (let index = 0; index < parts.length; index += 2) {
    if (parts[index] === '') continue;
    literals.push(parts[index]!);
    parts[index] = LITERAL_MARK;
  }
  if (!literals.length) return undefined;
  try {
    return { template: jinja().compileTemplate(parts.join(''), 'native'), literals };
  } catch {
    // A syntax error (`{{ if }}`) is reported by the whole text's compilation, naming the text.
    return undefined;
  }
}

/** The rendered shape with its literal parts back; undefined when a value held a marker itself. */
function fillLiterals(rendered: unknown, literals: readonly string[]): string | undefined {
  if (typeof rendered !== 'string') return undefined;
  const pieces = rendered.split(LITERAL_MARK);
  if (pieces.length !== literals.length + 1) return undefined;
  return pieces.reduce((out, piece, index) => out + literals[index - 1]! + piece);
}

/**
 * A rendered text that reads as a list, a dict or a boolean becomes one, as Ansible converts template results
 * (`"[{{ a }}, {{ b }}]"` is a list): text starting with `[` or `{`, or exactly `True`/`False`, read as a
 * Python literal (JSON's true/false/null too); text that does not read as one stays text.
 */
function dataFromText(text: string): unknown {
  if (!(text.startsWith('[') || text.startsWith('{') || text === 'True' || text === 'False')) return text;
  const literal = parsePythonLiteral(text, { jsonNames: true });
  if (!literal) return text;
  // Rendered once: `{{` in its strings is text now, never a template to render again.
  if (literal.value !== null && typeof literal.value === 'object') templateFreeCache.set(literal.value, true);
  return literal.value;
}

/** Jinja2's trim_blocks can eat the final newline; Ansible puts back as many as the source had. */
function keepTrailingNewlines(source: string, output: string): string {
  const missing = countTrailingNewlines(source) - countTrailingNewlines(output);
  return missing > 0 ? output + '\n'.repeat(missing) : output;
}

/** Jinja2 (keep_trailing_newline off) drops a template's last newline; keepTrailingNewlines restores it. */
function withoutFinalNewline(source: string): string {
  return source.endsWith('\n') ? source.slice(0, -1) : source;
}

/** Like Ansible's _fail_on_undefined: an undefined anywhere inside the result fails (`{'a': [undef]}`). */
function failOnUndefined(value: unknown, seen?: Set<object>): unknown {
  if (value instanceof UndefinedValue) value.fail();
  if (!isPlainContainer(value) || seen?.has(value)) return value;
  const walked = (seen ?? new Set<object>()).add(value);
  for (const item of Array.isArray(value) ? value : Object.values(value)) failOnUndefined(item, walked);
  return value;
}

/**
 * Templates values with one host's variables, as Ansible's Templar does. Variables that are themselves
 * templates are rendered when first read (and remembered while their raw value stays the same).
 */
export class Templar {
  private readonly resolved = new Map<string, { raw: unknown; value: unknown }>();
  private readonly resolving: string[] = [];
  private readonly lookupVariable = (name: string): unknown => this.lookup(name);

  constructor(
    private readonly vars: TemplateVariables,
    private readonly parent?: Templar,
  ) {}

  /** A Templar that sees `extra` (loop `item`, template-module vars) over these variables. */
  child(extra: TemplateVariables): Templar {
    return new Templar(extra, this);
  }

  /** Templates every string inside `value`; a string that is one `{{ expression }}` gives its native value. */
  render(value: unknown): unknown {
    if (typeof value === 'string') return this.renderString(value);
    if (!containsTemplate(value)) return value;
    if (Array.isArray(value)) return value.map((item) => this.render(item));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      out[pyStr(this.renderString(key))] = this.render(item);
    }
    return out;
  }

  /** Renders a template file's text (template module): always a string. */
  renderText(text: string, extra?: TemplateVariables): string {
    if (extra) return this.child(extra).renderText(text);
    return renderTemplateSource(this.lookupVariable, text, {});
  }

  /** The value of a bare expression (`when`, `that`, `var`, `loop`); `{{ }}` strings are rendered instead. */
  evaluate(expression: unknown): unknown {
    if (typeof expression !== 'string') return this.render(expression);
    if (hasTemplateSyntax(expression)) return this.renderString(expression);
    return this.evaluateBare(expression);
  }

  /** `name | default(None)` (a setting): null at once, no template run, when nothing sets an `ansible_*` name. */
  variableOrNone(name: string): unknown {
    return name.startsWith('ansible_') && this.rawValue(name) === undefined ? null : this.evaluate(`${name} | default(None)`);
  }

  /** Ansible's conditional: a `{{ }}` string is rendered first and, if that yields text, evaluated again. */
  isTrue(expression: unknown): boolean {
    if (typeof expression === 'boolean') return expression;
    if (typeof expression !== 'string') return pyTruthy(this.render(expression));
    let conditional: unknown = expression;
    if (hasTemplateSyntax(expression)) {
      conditional = this.renderString(expression);
      if (typeof conditional !== 'string') return pyTruthy(conditional);
    }
    if ((conditional as string).trim() === '') return false;
    return pyTruthy(this.evaluateBare(conditional as string));
  }

  private evaluateBare(expression: string): unknown {
    const source = `{{ ${expression.trim()} }}`;
    return failOnUndefined(this.run(jinja().compileTemplate(source, 'expression')));
  }

  private renderString(text: string): unknown {
    if (!hasTemplateSyntax(text)) return text;
    const shape = literalShape(text);
    if (shape) {
      const rendered = fillLiterals(this.run(shape.template), shape.literals);
      if (rendered !== undefined) return dataFromText(rendered);
    }
    const template = jinja().compileTemplate(text, 'native');
    const result = this.run(template);
    if (!template.native) return dataFromText(keepTrailingNewlines(text, result as string));
    // Ansible's finalize turns a None result into '' (`x: "{{ y | default(none) }}"` sets ''), except for a
    // bare `{{ name }}`, which Ansible hands over without rendering.
    return result === null && !SINGLE_VARIABLE.test(text) ? '' : failOnUndefined(result);
  }

  /**
   * Renders a template file's text with its own syntax options and a loader for `{% include %}` and
   * `{% import %}` (see renderTemplateFile in templateFiles.ts).
   */
  renderTemplateText(text: string, options: { vars?: TemplateVariables; syntax?: TemplateSyntax; loader?: TemplateLoader }): string {
    if (options.vars) return this.child(options.vars).renderTemplateText(text, { ...options, vars: undefined });
    return renderTemplateSource(this.lookupVariable, text, options);
  }

  private run(template: CompiledTemplate): unknown {
    let readUnsafe = false;
    const lookup = (name: string): unknown => {
      const value = this.lookup(name);
      if (value !== null && typeof value === 'object' && unsafeObjects.has(value)) readUnsafe = true;
      return value;
    };
    const { runTemplate, RenderContext } = jinja();
    const result = runTemplate(template, new RenderContext(lookup));
    return readUnsafe ? unsafeResult(result) : result;
  }

  /** Ansible's `vars`: every variable by name (`vars['pkg_' + x]`), each templated when read. */
  private variablesView(): Record<string, unknown> {
    return new Proxy({} as Record<string, unknown>, {
      get: (_target, key) => (typeof key === 'string' ? this.lookup(key) : undefined),
      has: (_target, key) => typeof key === 'string' && this.rawValue(key) !== undefined,
    });
  }

  private rawValue(name: string): unknown {
    const value = this.vars[name];
    return value === undefined && this.parent ? this.parent.rawValue(name) : value;
  }

  private lookup(name: string): unknown {
    const raw = this.rawValue(name);
    if (raw === undefined) {
      if (name === 'vars') return this.variablesView();
      const global = jinja().templateGlobals[name];
      return global !== undefined ? global : undefinedVariable(name);
    }
    if (NEVER_WALKED.has(name) || !containsTemplate(raw)) return raw;
    const cached = this.resolved.get(name);
    if (cached && cached.raw === raw) return cached.value;
    if (this.resolving.includes(name)) {
      throw new TemplateError(`recursive loop detected in template: variable '${name}' refers to itself (${[...this.resolving, name].join(' -> ')})`);
    }
    this.resolving.push(name);
    try {
      const value = this.render(raw);
      this.resolved.set(name, { raw, value });
      return value;
    } finally {
      this.resolving.pop();
    }
  }
}

/** Template text rendered with `lookup` for its variables (Templar.renderTemplateText, lookups' contexts). */
export function renderTemplateSource(lookup: (name: string) => unknown, text: string, options: { syntax?: TemplateSyntax; loader?: TemplateLoader }): string {
  if (!options.syntax && !hasTemplateSyntax(text)) return text;
  // Jinja2 writes every newline of a template as newline_sequence (\n).
  const source = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  const { compileTemplate, runTemplate, RenderContext } = jinja();
  const output = runTemplate(compileTemplate(withoutFinalNewline(source), 'text', options.syntax), new RenderContext(lookup, options.loader));
  return keepTrailingNewlines(source, output as string);
}

export function createTemplar(vars: TemplateVariables): Templar {
  return new Templar(vars);
}
