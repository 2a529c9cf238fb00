import { TemplateError } from '../errors.js';
import { isMapping, isText, pyEquals, pyTypeName } from './pythonValues.js';
import { UndefinedValue } from './undefinedValue.js';

/**
 * Jinja2's `loop` object (index, revindex, first, last, length, depth, previtem, nextitem, cycle(),
 * changed(), and `loop(children)` in a recursive loop), `namespace()` and loop-variable unpacking.
 */

export interface LoopContext {
  (children: unknown): string;
  advance(index: number): void;
}

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

export function makeLoop(items: unknown[], depth: number, render: RenderItems | null, filter: ItemFilter): LoopContext {
  let index0 = 0;
  let lastChanged: unknown = NOT_SEEN;
  const loop = ((children: unknown) => {
    if (!render) throw new TemplateError('loop() may only be called in a `{% for ... recursive %}` loop');
    return render(loopItems(children, filter), depth + 1);
  }) as LoopContext;
  const length = items.length;
  const fields: Record<string, () => unknown> = {
    index: () => index0 + 1,
    index0: () => index0,
    revindex: () => length - index0,
    revindex0: () => length - index0 - 1,
    first: () => index0 === 0,
    last: () => index0 === length - 1,
    length: () => length,
    depth: () => depth,
    depth0: () => depth - 1,
    previtem: () => (index0 > 0 ? items[index0 - 1] : new UndefinedValue('there is no previous item')),
    nextitem: () => (index0 < length - 1 ? items[index0 + 1] : new UndefinedValue('there is no next item')),
  };
  for (const [name, get] of Object.entries(fields)) Object.defineProperty(loop, name, { get, enumerable: true });
  Object.defineProperty(loop, 'cycle', {
    value: (...values: unknown[]) => {
      if (values.length === 0) throw new TemplateError('no items for cycling given');
      return values[index0 % values.length];
    },
  });
  Object.defineProperty(loop, 'changed', {
    value: (...value: unknown[]) => {
      if (lastChanged !== NOT_SEEN && pyEquals(lastChanged, value)) return false;
      lastChanged = value;
      return true;
    },
  });
  loop.advance = (index: number) => {
    index0 = index;
  };
  return loop;
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
