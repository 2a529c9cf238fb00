import { TemplateError } from '../core/errors.js';
import { isMapping, isText, pyEquals, pyTypeName } from '../core/pythonValues.js';
import { UndefinedValue } from '../core/undefinedValue.js';

/**
 * Jinja2's `loop` object (index, revindex, first, last, length, depth, previtem, nextitem, cycle(),
 * changed(), and `loop(children)` in a recursive loop), `namespace()` and loop-variable unpacking.
 */

type RenderItems = (items: unknown[], depth: number) => string;
type ItemFilter = ((item: unknown) => boolean) | null;

/** The items a for loop walks, kept by the loop's `if` filter: a list's items, a string's characters, a dict's keys. */
export function loopItems(value: unknown, filter: ItemFilter): unknown[] {
  if (value instanceof UndefinedValue) value.fail();
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (isText(value)) items = Array.from(value.toString());
  else if (isMapping(value)) items = Object.keys(value);
  else throw new TemplateError(`'${pyTypeName(value)}' object is not iterable`);
  return filter ? items.filter(filter) : items;
}

/** `for k, v in pairs`: item `i` of `count` unpacked from one loop item, as Python unpacks. */
export function unpack(item: unknown, i: number, count: number): unknown {
  const parts = loopItems(item, null);
  if (parts.length !== count) {
    throw new TemplateError(parts.length > count ? `too many values to unpack (expected ${count})` : `not enough values to unpack (expected ${count}, got ${parts.length})`);
  }
  return parts[i];
}

const NOT_SEEN = Symbol('not seen');

/** Jinja2's `loop`; a class so that a loop costs one object, not a closure per field. */
export class LoopState {
  index0 = 0;
  private lastChanged: unknown = NOT_SEEN;

  constructor(
    private readonly items: unknown[],
    readonly depth: number,
    private readonly render: RenderItems | null,
    private readonly filter: ItemFilter,
  ) {}

  advance(index: number): void {
    this.index0 = index;
  }

  get length(): number {
    return this.items.length;
  }
  get index(): number {
    return this.index0 + 1;
  }
  get revindex(): number {
    return this.items.length - this.index0;
  }
  get revindex0(): number {
    return this.items.length - this.index0 - 1;
  }
  get first(): boolean {
    return this.index0 === 0;
  }
  get last(): boolean {
    return this.index0 === this.items.length - 1;
  }
  get depth0(): number {
    return this.depth - 1;
  }
  get previtem(): unknown {
    return this.index0 > 0 ? this.items[this.index0 - 1] : new UndefinedValue('there is no previous item');
  }
  get nextitem(): unknown {
    return this.index0 < this.items.length - 1 ? this.items[this.index0 + 1] : new UndefinedValue('there is no next item');
  }

  cycle(...values: unknown[]): unknown {
    if (values.length === 0) throw new TemplateError('no items for cycling given');
    return values[this.index0 % values.length];
  }

  changed(...value: unknown[]): boolean {
    if (this.lastChanged !== NOT_SEEN && pyEquals(this.lastChanged, value)) return false;
    this.lastChanged = value;
    return true;
  }

  /** `loop(children)` in a `{% for ... recursive %}` loop: the body rendered for `children`, one level deeper. */
  recurse(children: unknown): string {
    if (!this.render) throw new TemplateError('loop() may only be called in a `{% for ... recursive %}` loop');
    return this.render(loopItems(children, this.filter), this.depth + 1);
  }
}

export function makeLoop(items: unknown[], depth: number, render: RenderItems | null, filter: ItemFilter): LoopState {
  return new LoopState(items, depth, render, filter);
}

/** `namespace(a=1)`: the one object `{% set ns.a = 2 %}` may change, across loop iterations. */
export class Namespace {
  [name: string]: unknown;
}

export function namespace(...args: unknown[]): Namespace {
  const ns = new Namespace();
  for (const arg of args) {
    if (isMapping(arg)) for (const [key, value] of Object.entries(arg)) if (key !== '__keywords') ns[key] = value;
  }
  return ns;
}

export function setAttribute(target: unknown, name: unknown, value: unknown): void {
  if (!(target instanceof Namespace)) throw new TemplateError('cannot assign attribute on non-namespace object');
  target[String(name)] = value;
}

type MacroBody = (...args: unknown[]) => unknown;

/**
 * A macro called as Jinja2 calls it: positional then keyword arguments; a missing argument is undefined;
 * extra positional arguments fill the defaulted parameters, then `varargs`; unknown keywords go to `kwargs`.
 */
export function makeMacro(argNames: string[], kwargNames: string[], body: MacroBody): MacroBody {
  return function macro(this: unknown, ...macroArgs: unknown[]) {
    const last = macroArgs[macroArgs.length - 1];
    const keywords = isMapping(last) && Object.prototype.hasOwnProperty.call(last, '__keywords') ? (macroArgs.pop() as Record<string, unknown>) : {};
    const args = argNames.map((name, i) => (i < macroArgs.length ? macroArgs[i] : name in keywords ? keywords[name] : new UndefinedValue(`'${name}' is undefined`)));
    const extra = macroArgs.slice(argNames.length);
    const kwargs: Record<string, unknown> = {};
    const unknownKeywords: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(keywords)) {
      if (name === '__keywords' || argNames.includes(name)) continue;
      if (kwargNames.includes(name) || name === 'caller') kwargs[name] = value;
      else unknownKeywords[name] = value;
    }
    kwargNames.forEach((name, i) => {
      if (i < extra.length) kwargs[name] = extra[i];
    });
    kwargs.__varargs = extra.slice(kwargNames.length);
    kwargs.__extra = unknownKeywords;
    return body.apply(this, [...args, kwargs]);
  };
}
