import { callLookup } from '../../lookups/index.js';
import type { LookupContext, VariableGetter } from '../../lookups/lookup.js';
import { TemplateError } from '../core/errors.js';
import { strftime } from './ansibleFilters.js';
import { bindArguments, positionalArguments } from './filterArguments.js';
import { namespace } from './loopContext.js';
import { OMIT } from './omit.js';
import { pyStr } from '../core/pythonValues.js';
import { compileTemplate } from './compiler.js';
import { RenderContext, runTemplate } from './runtime.js';
import { requireDefined, UndefinedValue } from '../core/undefinedValue.js';

/** Names every template can call or read: `range`, `dict`, `lookup`/`query`, `omit`, Python literals. */

/** Builds a lookup's context from a template's variables: lookupContext.ts (above, it needs the Templar) sets it. */
let lookupContextOf: ((get: VariableGetter) => LookupContext) | undefined;

export function useLookupContext(build: (get: VariableGetter) => LookupContext): void {
  lookupContextOf = build;
}

function lookupContextFor(context: RenderContext): () => LookupContext {
  return () => {
    if (!lookupContextOf) throw new TemplateError('lookups are not set up (load src/template/jinja.js)');
    return lookupContextOf((variable) => context.lookup(variable));
  };
}

/** The longest list range() builds: range(10**9) ends the task with an error instead of the run out of memory. */
const MAX_RANGE_ITEMS = 1_000_000;

function range(...args: unknown[]): number[] {
  const [a, b, c] = args.map(Number);
  const [start, stop, step] = args.length === 1 ? [0, a!, 1] : [a!, b!, c ?? 1];
  if (step === 0) throw new TemplateError('range() arg 3 must not be zero');
  if ((stop - start) / step > MAX_RANGE_ITEMS) throw new TemplateError(`range() of more than ${MAX_RANGE_ITEMS} items is refused`);
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

function dict(...args: unknown[]): Record<string, unknown> {
  const { positional, keywords } = positionalArguments(args);
  const out: Record<string, unknown> = {};
  const [source] = positional;
  if (Array.isArray(source)) for (const pair of source) out[pyStr((pair as unknown[])[0])] = (pair as unknown[])[1];
  else if (source && typeof source === 'object') Object.assign(out, source);
  return Object.assign(out, keywords);
}

/**
 * `lookup(name, terms..., key=value...)` and `query`/`q`: the lookups in lookups/, given this template's
 * variables. `lookup` joins a list of strings with commas unless `wantlist=True`; `query` gives the list.
 */
function lookup(this: RenderContext, name: unknown, ...args: unknown[]): unknown {
  const { positional, keywords } = positionalArguments(args);
  return callLookup(lookupContextFor(this), name, templateLookupTerms(this, positional), keywords, false);
}

/** Ansible templates a lookup's terms before the lookup sees them: `lookup('file', '{{ dir }}/x')`. */
export function templateLookupTerms(context: RenderContext, terms: unknown[]): unknown[] {
  return terms.map((term) => {
    if (typeof term !== 'string' || !(term.includes('{{') || term.includes('{%'))) return term;
    return runTemplate(compileTemplate(term, 'native'), new RenderContext((name) => context.lookup(name), context.loader));
  });
}

function query(this: RenderContext, name: unknown, ...args: unknown[]): unknown {
  const { positional, keywords } = positionalArguments(args);
  return callLookup(lookupContextFor(this), name, templateLookupTerms(this, positional), keywords, true);
}

/** Python slicing `x[start:stop:step]` of a list or string (the parser turns slices into this call). */
function slice(target: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  const defined = requireDefined(target);
  const items = Array.isArray(defined) ? defined : Array.from(pyStr(defined));
  const by = step === null || step === undefined ? 1 : Number(step);
  if (by === 0) throw new TemplateError('slice step cannot be zero');
  const clamp = (value: unknown, fallback: number) => {
    if (value === null || value === undefined) return fallback;
    const n = Number(value) < 0 ? items.length + Number(value) : Number(value);
    return by > 0 ? Math.min(Math.max(n, 0), items.length) : Math.min(Math.max(n, -1), items.length - 1);
  };
  const from = clamp(start, by > 0 ? 0 : items.length - 1);
  const to = clamp(stop, by > 0 ? items.length : -1);
  const out: unknown[] = [];
  for (let i = from; by > 0 ? i < to : i > to; i += by) out.push(items[i]);
  return Array.isArray(defined) ? out : out.join('');
}

/** Ansible's `now(utc=False, fmt=None)`: the time as Python prints a datetime, or formatted by `fmt`. */
function now(...args: unknown[]): string {
  const { utc = false, fmt } = bindArguments('now', args, ['utc', 'fmt']);
  let date = new Date();
  if (utc) date = new Date(date.getTime() + date.getTimezoneOffset() * 60000);
  return strftime(fmt === undefined || fmt === null ? '%Y-%m-%d %H:%M:%S.%f' : pyStr(fmt), date);
}

/** Ansible's `undef(hint)`: an undefined value that fails with the hint when used. */
function undef(...args: unknown[]): UndefinedValue {
  const { hint } = bindArguments('undef', args, ['hint']);
  return new UndefinedValue(hint === undefined || hint === null ? 'Mandatory variable has not been overridden' : pyStr(hint));
}

export const templateGlobals: Record<string, unknown> = {
  range,
  dict,
  lookup,
  query,
  q: query,
  omit: OMIT,
  namespace,
  now,
  undef,
  __slice__: slice,
  True: true,
  False: false,
  None: null,
};
