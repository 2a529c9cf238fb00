import { PlaytreeError, TemplateError } from '../core/errors.js';
import { nunjucksRuntime } from './nunjucksInternals.js';
import { pythonMethod } from './pythonMethods.js';
import { isMapping, isText, isTuple, pyCompare, pyContains, pyEquals, pyFormat, pyModulo, pyStr, pyTruthy, pyTypeName, tuple } from '../core/pythonValues.js';
import { UndefinedValue } from '../core/undefinedValue.js';
import type { CompiledTemplate } from './compiler.js';
import { LoopState, loopItems, makeLoop, makeMacro, setAttribute, unpack } from './loopContext.js';
import { templateEnvironment } from './registry.js';
import { RenderContext, type LoadedTemplate, type TemplateEnvironment } from './renderContext.js';

export { RenderContext, type BlockRender, type FilterFunction, type LoadedTemplate, type TemplateEnvironment, type TemplateLoader, type TestFunction } from './renderContext.js';

/**
 * The runtime compiled templates call (see compiler.ts): nunjucks' own runtime with variable lookup,
 * attribute access, output and operators replaced by their Jinja2/Python meaning.
 */

/** Runs a compiled template's root with `context`; all our templates complete synchronously. */
export function runTemplate(template: CompiledTemplate, context: RenderContext): unknown {
  const frame = new nunjucksRuntime.Frame() as { topLevel?: boolean };
  frame.topLevel = true;
  let result: unknown;
  let failure: unknown;
  template.root(templateEnvironment, context, frame, playtreeRuntime, (error, value) => {
    failure = error;
    result = value;
  });
  if (failure) throw failure instanceof Error ? failure : new TemplateError(String(failure));
  // `{% extends %}`: the output is the parent's, rendered with the blocks this template registered.
  const parent = context.parentTemplate;
  if (parent) {
    context.parentTemplate = undefined;
    return runLoadedTemplate(parent, context);
  }
  return result;
}

/** Runs a template file; an error from it that no inner template claimed names this file. */
export function runLoadedTemplate(loaded: LoadedTemplate, context: RenderContext): unknown {
  try {
    return runTemplate(loaded.template, context);
  } catch (error) {
    const place = error as TemplateErrorPlace;
    if (error instanceof PlaytreeError && place.templateFile === undefined) place.templateFile = loaded.path;
    throw error;
  }
}

function typeObject(value: unknown): string {
  return `'${pyTypeName(value)} object'`;
}

function memberLookup(obj: unknown, key: unknown): unknown {
  if (obj instanceof UndefinedValue) return obj;
  if (obj === null || obj === undefined) return new UndefinedValue(`'None' has no attribute '${String(key)}'`);
  if (Array.isArray(obj) || isText(obj)) {
    const sequence = Array.isArray(obj) ? obj : obj.toString();
    if (typeof key === 'number') {
      const index = key < 0 ? sequence.length + key : key;
      if (index >= 0 && index < sequence.length) return sequence[index];
      return new UndefinedValue(`${pyTypeName(obj)} object has no element ${key}`);
    }
    return pythonMethod(sequence, String(key)) ?? new UndefinedValue(`${typeObject(obj)} has no attribute '${String(key)}'`);
  }
  if (typeof obj === 'object' || typeof obj === 'function') {
    const name = String(key);
    const value = (obj as Record<string, unknown>)[name];
    // Keys like `constructor` must not leak JS internals into templates.
    const inherited = name in Object.prototype && value === (Object.prototype as Record<string, unknown>)[name];
    if (value !== undefined && !inherited) {
      return typeof value === 'function' && !isMapping(value) ? value.bind(obj) : value;
    }
    return pythonMethod(obj, name) ?? new UndefinedValue(`${typeObject(obj)} has no attribute '${name}'`);
  }
  return new UndefinedValue(`${typeObject(obj)} has no attribute '${String(key)}'`);
}

function callWrap(fn: unknown, name: string, context: RenderContext, args: unknown[]): unknown {
  if (fn instanceof UndefinedValue) fn.fail();
  if (fn instanceof LoopState) return fn.recurse(args[0]);
  if (typeof fn !== 'function') throw new TemplateError(`'${name}' is not callable (it is ${typeObject(fn)})`);
  return fn.apply(context, args);
}

function contextOrFrameLookup(context: RenderContext, frame: { lookup(name: string): unknown }, name: string): unknown {
  const value = frame.lookup(name);
  return value !== undefined ? value : context.lookup(name);
}

/** Where in a template file an error happened (set once, by the innermost template that saw it). */
export interface TemplateErrorPlace {
  templateLine?: number;
  templateFile?: string;
  /** The message names its place already (a syntax error in an included file). */
  placed?: boolean;
}

function handleError(error: unknown, lineno?: number): PlaytreeError {
  const failure = error instanceof PlaytreeError ? error : new TemplateError(error instanceof Error ? error.message : String(error));
  const place = failure as PlaytreeError & TemplateErrorPlace;
  if (place.templateLine === undefined && typeof lineno === 'number') place.templateLine = lineno + 1;
  return failure;
}

function fromIterator(value: unknown): unknown {
  if (value instanceof UndefinedValue) value.fail();
  if (Array.isArray(value)) return value;
  if (isText(value)) return Array.from(value.toString());
  if (isMapping(value)) return Object.keys(value);
  throw new TemplateError(`${typeObject(value)} is not iterable`);
}

function add(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (isText(a) && isText(b)) return a.toString() + b.toString();
  const numeric = (v: unknown) => typeof v === 'number' || typeof v === 'boolean';
  if (numeric(a) && numeric(b)) return Number(a) + Number(b);
  if (a instanceof UndefinedValue) a.fail();
  if (b instanceof UndefinedValue) b.fail();
  throw new TemplateError(`unsupported operand type(s) for +: '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

function mul(a: unknown, b: unknown): unknown {
  if (isText(a) && typeof b === 'number') return a.toString().repeat(Math.max(0, b));
  if (Array.isArray(a) && typeof b === 'number') return Array.from({ length: Math.max(0, b) }, () => a).flat();
  return (a as number) * (b as number);
}

/** `%`: modulo for numbers, printf-style formatting for a string on the left. */
function mod(a: unknown, b: unknown): unknown {
  if (!isText(a)) return pyModulo(Number(a), Number(b));
  // Only a tuple gives several values: `'%s' % [1, 2]` prints the list.
  return pyFormat(a.toString(), Array.isArray(b) && isTuple(b) ? b : [b]);
}

function compare(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==':
    case '===':
      return pyEquals(a, b);
    case '!=':
    case '!==':
      return !pyEquals(a, b);
    case '<':
      return pyCompare(a, b) < 0;
    case '>':
      return pyCompare(a, b) > 0;
    case '<=':
      return pyCompare(a, b) <= 0;
    default:
      return pyCompare(a, b) >= 0;
  }
}

function makeDict(pairs: Array<[unknown, unknown]>): Record<string, unknown> {
  const dict: Record<string, unknown> = {};
  for (const [key, value] of pairs) {
    if (key instanceof UndefinedValue) key.fail();
    dict[pyStr(key)] = value;
  }
  return dict;
}

/** The items `*value` spreads into a call's arguments, as Python iterates them. */
function splatArguments(value: unknown): unknown[] {
  if (value instanceof UndefinedValue) value.fail();
  if (typeof value === 'string' || Array.isArray(value)) return [...value];
  if (value !== null && typeof value === 'object') {
    if (Symbol.iterator in value) return [...(value as Iterable<unknown>)];
    return Object.keys(value);
  }
  throw new TypeError(`argument after * must be an iterable, not ${value === null ? 'NoneType' : typeof value}`);
}

function callTest(env: TemplateEnvironment, context: RenderContext, name: string, value: unknown, args: unknown[]): boolean {
  return env.getTest(name).call(context, value, ...args) === true;
}

export const playtreeRuntime: Record<string, unknown> = Object.assign(Object.create(nunjucksRuntime), {
  memberLookup,
  callWrap,
  contextOrFrameLookup,
  handleError,
  fromIterator,
  // Ansible's finalize: None prints as an empty string in text (inside lists it is still `None`).
  suppressValue: (value: unknown) => (value === null ? '' : pyStr(value)),
  ensureDefined: (value: unknown) => value,
  inOperator: (item: unknown, container: unknown) => pyContains(container, item),
  truthy: pyTruthy,
  or: (left: unknown, right: () => unknown) => (pyTruthy(left) ? left : right()),
  and: (left: unknown, right: () => unknown) => (pyTruthy(left) ? right() : left),
  add,
  concat: (a: unknown, b: unknown) => pyStr(a) + pyStr(b),
  mul,
  mod,
  compare,
  makeDict,
  callTest,
  splatArguments,
  tuple,
  loopItems,
  unpack,
  makeLoop,
  makeMacro,
  setAttribute,
});
