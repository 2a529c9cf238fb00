import { TemplateError } from '../core/errors.js';
import { bindArguments, positionalArguments } from './filterArguments.js';
import { isMapping, isText, pyCompare, pyEquals, pyStr, pyTruthy, pyTypeName, tuple } from '../core/pythonValues.js';
import { getFilter, getTest } from './registry.js';
import type { FilterFunction, RenderContext } from './runtime.js';
import { isUndefined, requireDefined, UndefinedValue } from '../core/undefinedValue.js';

/** Filters on lists and dicts: defaults, sizes, ordering, set operations, mapping and selecting. */

function sequence(value: unknown, filter: string): unknown[] {
  const defined = requireDefined(value);
  if (Array.isArray(defined)) return defined;
  if (isText(defined)) return Array.from(defined.toString());
  if (isMapping(defined)) return Object.keys(defined);
  throw new TemplateError(`${filter} expects a list, got ${pyStr(defined)}`);
}

function mapping(value: unknown, filter: string): Record<string, unknown> {
  const defined = requireDefined(value);
  if (!isMapping(defined)) throw new TemplateError(`${filter} expects a dictionary, got ${pyStr(defined)}`);
  return defined;
}

/** `attribute='a.b'` or `attribute=0`: Jinja2's dotted attribute path. */
function attributeOf(item: unknown, path: unknown): unknown {
  let value = item;
  for (const part of String(path).split('.')) {
    if (value === null || value === undefined || value instanceof UndefinedValue) return new UndefinedValue(`'${pyStr(path)}' is undefined`);
    const key = /^\d+$/.test(part) && Array.isArray(value) ? Number(part) : part;
    value = (value as Record<string | number, unknown>)[key];
    if (value === undefined) return new UndefinedValue(`'${isMapping(item) ? 'dict object' : 'object'}' has no attribute '${part}'`);
  }
  return value;
}

function sortKey(caseSensitive: unknown) {
  return (value: unknown) => (!caseSensitive && typeof value === 'string' ? value.toLowerCase() : value);
}

function unique(items: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const item of items) if (!out.some((seen) => pyEquals(seen, item))) out.push(item);
  return out;
}

function flatten(items: unknown[], levels: number | undefined, skipNulls: boolean): unknown[] {
  const out: unknown[] = [];
  for (const item of items) {
    if (skipNulls && (item === null || item === 'None')) continue;
    if (Array.isArray(item) && (levels === undefined || levels > 0)) out.push(...flatten(item, levels === undefined ? undefined : levels - 1, skipNulls));
    else out.push(item);
  }
  return out;
}

/** `combine`'s merge; `recursive` merges nested mappings, `listMerge` says what happens to two lists. */
export function mergeDicts(base: Record<string, unknown>, extra: Record<string, unknown>, recursive: boolean, listMerge: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const old = out[key];
    if (recursive && isMapping(old) && isMapping(value)) out[key] = mergeDicts(old, value, recursive, listMerge);
    else if (Array.isArray(old) && Array.isArray(value) && listMerge !== 'replace') {
      if (listMerge === 'append') out[key] = [...old, ...value];
      else if (listMerge === 'prepend') out[key] = [...value, ...old];
      else if (listMerge === 'append_rp') out[key] = [...old.filter((x) => !value.some((y) => pyEquals(x, y))), ...value];
      else if (listMerge === 'prepend_rp') out[key] = [...value, ...old.filter((x) => !value.some((y) => pyEquals(x, y)))];
      else out[key] = value;
    } else out[key] = value;
  }
  return out;
}

function selectBy(this: RenderContext, items: unknown, args: unknown[], keep: boolean, byAttribute: boolean): unknown[] {
  const { positional } = positionalArguments(args);
  const attribute = byAttribute ? positional.shift() : undefined;
  const testName = positional.shift();
  const test = testName === undefined ? undefined : getTest(String(testName));
  return sequence(items, 'select').filter((item) => {
    const subject = byAttribute ? attributeOf(item, attribute) : item;
    const passed = test ? test.call(this, subject, ...positional) === true : pyTruthy(subject);
    return passed === keep;
  });
}

function minMax(items: unknown, args: unknown[], sign: number): unknown {
  const { attribute, case_sensitive } = bindArguments(sign > 0 ? 'max' : 'min', args, ['case_sensitive', 'attribute']);
  const list = sequence(items, 'min/max');
  if (list.length === 0) return new UndefinedValue('No aggregated item, sequence was empty.');
  const key = sortKey(case_sensitive);
  const pick = (item: unknown) => key(attribute === undefined ? item : attributeOf(item, attribute));
  return list.reduce((best, item) => (sign * pyCompare(pick(item), pick(best)) > 0 ? item : best));
}

export const collectionFilters: Record<string, FilterFunction> = {
  default(value, ...args) {
    const { default_value = '', boolean = false } = bindArguments('default', args, ['default_value', 'boolean']);
    if (isUndefined(value) || (boolean && !pyTruthy(value))) return default_value;
    return value;
  },
  length: (value) => {
    const defined = requireDefined(value);
    if (isMapping(defined)) return Object.keys(defined).length;
    if (defined === null || defined === undefined || typeof defined !== 'object' && typeof defined !== 'string') {
      throw new TemplateError(`object of type '${pyStr(defined)}' has no len()`);
    }
    return (defined as { length: number }).length;
  },
  first: (value) => sequence(value, 'first')[0] ?? new UndefinedValue('No first item, sequence was empty.'),
  last: (value) => {
    const list = sequence(value, 'last');
    return list.length ? list[list.length - 1] : new UndefinedValue('No last item, sequence was empty.');
  },
  list: (value) => [...sequence(value, 'list')],
  reverse: (value) => (isText(value) ? Array.from(value.toString()).reverse().join('') : [...sequence(value, 'reverse')].reverse()),
  sort(value, ...args) {
    const { reverse, case_sensitive, attribute } = bindArguments('sort', args, ['reverse', 'case_sensitive', 'attribute']);
    const key = sortKey(case_sensitive);
    const pick = (item: unknown) => key(attribute === undefined ? item : attributeOf(item, attribute));
    const sorted = [...sequence(value, 'sort')].sort((a, b) => pyCompare(pick(a), pick(b)));
    return reverse ? sorted.reverse() : sorted;
  },
  min: (value, ...args) => minMax(value, args, -1),
  max: (value, ...args) => minMax(value, args, 1),
  sum(value, ...args) {
    const { attribute, start = 0 } = bindArguments('sum', args, ['attribute', 'start']);
    return sequence(value, 'sum').reduce<number>((total, item) => total + Number(attribute === undefined ? item : attributeOf(item, attribute)), Number(start));
  },
  join(value, ...args) {
    const { d = '', attribute } = bindArguments('join', args, ['d', 'attribute']);
    return sequence(value, 'join').map((item) => pyStr(attribute === undefined ? item : attributeOf(item, attribute))).join(pyStr(d));
  },
  flatten(value, ...args) {
    const { levels, skip_nulls = true } = bindArguments('flatten', args, ['levels', 'skip_nulls']);
    return flatten(sequence(value, 'flatten'), typeof levels === 'number' ? levels : undefined, Boolean(skip_nulls));
  },
  zip(value, ...others) {
    const lists = [sequence(value, 'zip'), ...others.map((other) => sequence(other, 'zip'))];
    const length = Math.min(...lists.map((list) => list.length));
    return Array.from({ length }, (_unused, i) => tuple(lists.map((list) => list[i])));
  },
  zip_longest(value, ...others) {
    const { positional, keywords } = positionalArguments(others);
    const lists = [sequence(value, 'zip_longest'), ...positional.map((other) => sequence(other, 'zip_longest'))];
    const length = Math.max(...lists.map((list) => list.length));
    return Array.from({ length }, (_unused, i) => tuple(lists.map((list) => (i < list.length ? list[i] : (keywords.fillvalue ?? null)))));
  },
  union: (value, other) => unique([...sequence(value, 'union'), ...sequence(other, 'union')]),
  intersect: (value, other) => unique(sequence(value, 'intersect').filter((x) => sequence(other, 'intersect').some((y) => pyEquals(x, y)))),
  difference: (value, other) => unique(sequence(value, 'difference').filter((x) => !sequence(other, 'difference').some((y) => pyEquals(x, y)))),
  symmetric_difference(value, other) {
    const a = sequence(value, 'symmetric_difference');
    const b = sequence(other, 'symmetric_difference');
    return unique([...a.filter((x) => !b.some((y) => pyEquals(x, y))), ...b.filter((y) => !a.some((x) => pyEquals(x, y)))]);
  },
  combine(value, ...args) {
    const { positional, keywords } = positionalArguments(args);
    const unknown = Object.keys(keywords).filter((key) => key !== 'recursive' && key !== 'list_merge');
    if (unknown.length) throw new TemplateError("'recursive' and 'list_merge' are the only valid keyword arguments");
    // Like Ansible: the terms are flattened one level and None is skipped.
    const terms = [value, ...positional].flatMap((d) => (Array.isArray(d) ? d : [d])).filter((d) => d !== null);
    const dicts = terms.map((d) => {
      if (!isMapping(requireDefined(d))) throw new TemplateError(`failed to combine variables, expected dicts but got a '${pyTypeName(d)}'`);
      return d as Record<string, unknown>;
    });
    const listMerge = String(keywords.list_merge ?? 'replace');
    return dicts.reduce((merged, dict) => mergeDicts(merged, dict, Boolean(keywords.recursive), listMerge), {});
  },
  dict2items(value, ...args) {
    const { key_name = 'key', value_name = 'value' } = bindArguments('dict2items', args, ['key_name', 'value_name']);
    const dict = requireDefined(value);
    if (!isMapping(dict)) throw new TemplateError(`dict2items requires a dictionary, got ${pyTypeName(dict)} instead.`);
    return Object.keys(dict).map((key) => ({ [String(key_name)]: key, [String(value_name)]: dict[key] }));
  },
  items2dict(value, ...args) {
    const { key_name = 'key', value_name = 'value' } = bindArguments('items2dict', args, ['key_name', 'value_name']);
    const dict: Record<string, unknown> = {};
    const list = requireDefined(value);
    if (!Array.isArray(list)) throw new TemplateError(`items2dict requires a list, got ${pyTypeName(list)} instead.`);
    for (const entry of list) {
      if (!isMapping(entry)) throw new TemplateError(`items2dict requires a list of dictionaries, got ${pyTypeName(entry)} instead.`);
      if (!(String(key_name) in entry) || !(String(value_name) in entry)) {
        throw new TemplateError(`items2dict requires each dictionary in the list to contain the keys '${pyStr(key_name)}' and '${pyStr(value_name)}', got ${pyStr(entry)} instead.`);
      }
      dict[pyStr(entry[String(key_name)])] = entry[String(value_name)];
    }
    return dict;
  },
  dictsort(value, ...args) {
    const { case_sensitive, by = 'key', reverse } = bindArguments('dictsort', args, ['case_sensitive', 'by', 'reverse']);
    const dict = mapping(value, 'dictsort');
    const key = sortKey(case_sensitive);
    const index = by === 'value' ? 1 : 0;
    const sorted = Object.keys(dict).map((k) => tuple([k, dict[k]])).sort((a, b) => pyCompare(key(a[index]), key(b[index])));
    return reverse ? sorted.reverse() : sorted;
  },
  map(value, ...args) {
    const { positional, keywords } = positionalArguments(args);
    const items = sequence(value, 'map');
    if (positional.length === 0 && keywords.attribute !== undefined) {
      return items.map((item) => {
        const found = attributeOf(item, keywords.attribute);
        return isUndefined(found) && 'default' in keywords ? keywords.default : found;
      });
    }
    const [name, ...rest] = positional;
    if (name === undefined) throw new TemplateError('map() needs a filter name or attribute=');
    const filter = getFilter(String(name));
    return items.map((item) => filter.call(this, item, ...rest));
  },
  select(value, ...args) {
    return selectBy.call(this, value, args, true, false);
  },
  reject(value, ...args) {
    return selectBy.call(this, value, args, false, false);
  },
  selectattr(value, ...args) {
    return selectBy.call(this, value, args, true, true);
  },
  rejectattr(value, ...args) {
    return selectBy.call(this, value, args, false, true);
  },
  batch(value, size, fill) {
    const list = sequence(value, 'batch');
    const out: unknown[][] = [];
    for (let i = 0; i < list.length; i += Number(size)) out.push(list.slice(i, i + Number(size)));
    const tail = out[out.length - 1];
    if (tail && fill !== undefined) while (tail.length < Number(size)) tail.push(fill);
    return out;
  },
};
collectionFilters.d = collectionFilters.default!;
collectionFilters.count = collectionFilters.length!;
