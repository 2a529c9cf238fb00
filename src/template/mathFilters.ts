import { TemplateError } from '../core/errors.js';
import { bindArguments } from './filterArguments.js';
import { isMapping, isText, pyEquals, pyStr, pyTypeName, tuple } from '../core/pythonValues.js';
import type { FilterFunction } from './runtime.js';
import { requireDefined } from '../core/undefinedValue.js';

/** Ansible's mathstuff filters: log, pow, root, sizes, combinatorics, rekey_on_member, unique, random, shuffle. */

function number(value: unknown, filter: string): number {
  const defined = requireDefined(value);
  if (typeof defined !== 'number' && typeof defined !== 'boolean') throw new TemplateError(`${filter}() can only be used on numbers: must be real number, not ${pyStr(defined)}`);
  return Number(defined);
}

const SIZE_UNITS = ['', 'K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];

function humanReadable(value: unknown, args: unknown[]): string {
  const { isbits = false, unit } = bindArguments('human_readable', args, ['isbits', 'unit']);
  const size = typeof value === 'number' ? value : Number(pyStr(requireDefined(value)));
  if (!isText(value) && typeof value !== 'number') throw new TemplateError(`human_readable() failed on bad input: ${pyStr(value)}`);
  if (Number.isNaN(size)) throw new TemplateError(`human_readable() failed on bad input: ${pyStr(value)}`);
  const suffix = isbits ? 'bits' : 'Bytes';
  let power = unit !== undefined && unit !== null ? SIZE_UNITS.indexOf(String(unit).charAt(0).toUpperCase()) : -1;
  if (power < 0) for (power = SIZE_UNITS.length - 1; power > 0 && size < 1024 ** power; power--);
  if (power === 0) return `${size.toFixed(2)} ${suffix}`;
  return `${(size / 1024 ** power).toFixed(2)} ${SIZE_UNITS[power]}${isbits ? 'b' : 'B'}`;
}

function humanToBytes(value: unknown, args: unknown[]): number {
  const { default_unit, isbits = false } = bindArguments('human_to_bytes', args, ['default_unit', 'isbits']);
  const text = pyStr(requireDefined(value)).trim();
  const match = /^(\d*\.?\d+)\s*([A-Za-z]+)?$/.exec(text);
  if (!match) throw new TemplateError(`human_to_bytes() can't interpret following string: ${text}`);
  const amount = Number(match[1]);
  const unit = match[2] ?? (default_unit === undefined || default_unit === null ? undefined : String(default_unit));
  if (unit === undefined) return Math.round(amount);
  const power = SIZE_UNITS.indexOf(unit.charAt(0).toUpperCase());
  const rest = unit.slice(1);
  const expected = isbits ? /^(b|bit|bits)?$/ : /^(B|byte|bytes)?$/i;
  const unitOnly = unit.length === 1 && power > 0;
  if (power < 0 || !(unitOnly || expected.test(rest) || (power === 0 && expected.test(unit)))) {
    throw new TemplateError(`human_to_bytes() failed to convert ${text}: the unit ${unit} is not valid${isbits ? ' bits' : ''}`);
  }
  return Math.round(amount * 1024 ** Math.max(power, 0));
}

function combinations(items: unknown[], size: number): unknown[][] {
  if (size === 0) return [[]];
  return items.flatMap((item, i) => combinations(items.slice(i + 1), size - 1).map((rest) => [item, ...rest]));
}

function permutations(items: unknown[], size: number): unknown[][] {
  if (size === 0) return [[]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)], size - 1).map((rest) => [item, ...rest]));
}

function rekeyOnMember(value: unknown, args: unknown[]): Record<string, unknown> {
  const { key, duplicates = 'error' } = bindArguments('rekey_on_member', args, ['key', 'duplicates']);
  if (duplicates !== 'error' && duplicates !== 'overwrite') throw new TemplateError(`duplicates parameter to rekey_on_member has unknown value: ${pyStr(duplicates)}`);
  const defined = requireDefined(value);
  let items: unknown[];
  if (Array.isArray(defined)) items = defined;
  else if (isMapping(defined)) items = Object.values(defined);
  else throw new TemplateError('Type is not a valid list, set, or dict');
  const out: Record<string, unknown> = {};
  for (const item of items) {
    if (!isMapping(item)) throw new TemplateError('List item is not a valid dict');
    const name = pyStr(requireDefined(key));
    if (!(name in item)) throw new TemplateError(`Key ${name} was not found`);
    const newKey = pyStr(item[name]);
    if (duplicates === 'error' && newKey in out) throw new TemplateError(`Key ${newKey} is not unique, cannot correctly turn into dict`);
    out[newKey] = item;
  }
  return out;
}

/** Python's random.Random(seed) is not reproducible here; a seed gives a stable (different) sequence. */
function seededRandom(seed: unknown): () => number {
  if (seed === undefined || seed === null) return Math.random;
  let state = 2166136261;
  for (const ch of pyStr(seed)) state = Math.imul(state ^ ch.charCodeAt(0), 16777619) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomFilter(value: unknown, args: unknown[]): unknown {
  const { start, step, seed } = bindArguments('random', args, ['start', 'step', 'seed']);
  const next = seededRandom(seed);
  const defined = requireDefined(value);
  if (typeof defined === 'number') {
    const from = start === undefined || start === null ? 0 : Number(start);
    const by = step === undefined || step === null ? 1 : Number(step);
    const count = Math.ceil((defined - from) / by);
    if (count <= 0) throw new TemplateError(`random(): empty range for randrange(${from}, ${defined}, ${by})`);
    return from + Math.floor(next() * count) * by;
  }
  if ((start !== undefined && start !== null) || (step !== undefined && step !== null)) throw new TemplateError('start and step can only be used with integer values');
  if (!Array.isArray(defined) && !isText(defined) && !isMapping(defined)) throw new TemplateError('random can only be used on sequences and integers');
  const items = Array.isArray(defined) ? defined : isText(defined) ? Array.from(defined.toString()) : Object.keys(defined);
  if (items.length === 0) throw new TemplateError('random(): cannot choose from an empty sequence');
  return items[Math.floor(next() * items.length)];
}

function shuffle(value: unknown, args: unknown[]): unknown {
  const { seed } = bindArguments('shuffle', args, ['seed']);
  const defined = requireDefined(value);
  if (!Array.isArray(defined) && !isText(defined)) return defined;
  const items = Array.isArray(defined) ? [...defined] : Array.from(defined.toString());
  const next = seededRandom(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function unique(value: unknown, args: unknown[]): unknown[] {
  const { case_sensitive, attribute } = bindArguments('unique', args, ['case_sensitive', 'attribute']);
  const defined = requireDefined(value);
  if (!Array.isArray(defined) && !isText(defined) && !isMapping(defined)) throw new TemplateError(`'${pyTypeName(defined)}' object is not iterable`);
  const items = Array.isArray(defined) ? defined : isText(defined) ? Array.from(defined.toString()) : Object.keys(defined);
  const keyOf = (item: unknown): unknown => {
    const picked = attribute === undefined || attribute === null ? item : isMapping(item) ? item[String(attribute)] : undefined;
    return !case_sensitive && isText(picked) ? picked.toString().toLowerCase() : picked;
  };
  const seen: unknown[] = [];
  const out: unknown[] = [];
  for (const item of items) {
    const key = keyOf(item);
    // Jinja2's unique hashes its keys; Ansible falls back to its own only when no option was given.
    if ((case_sensitive !== undefined || attribute !== undefined) && (Array.isArray(key) || isMapping(key))) {
      throw new TemplateError("Jinja2's unique filter failed and we cannot fall back to Ansible's version as it does not support the parameters supplied");
    }
    if (seen.some((other) => pyEquals(other, key))) continue;
    seen.push(key);
    out.push(item);
  }
  return out;
}

export const mathFilters: Record<string, FilterFunction> = {
  log(value, base) {
    const x = number(value, 'log');
    return base === undefined ? Math.log(x) : Math.log(x) / Math.log(number(base, 'log'));
  },
  pow: (value, exponent) => number(value, 'pow') ** number(exponent, 'pow'),
  root(value, base = 2) {
    const x = number(value, 'root');
    const n = number(base, 'root');
    return n === 2 ? Math.sqrt(x) : x ** (1 / n);
  },
  human_readable: (value, ...args) => humanReadable(value, args),
  human_to_bytes: (value, ...args) => humanToBytes(value, args),
  combinations: (value, size) => combinations([...(requireDefined(value) as unknown[])], Number(size)).map(tuple),
  permutations(value, size) {
    const items = [...(requireDefined(value) as unknown[])];
    return permutations(items, size === undefined || size === null ? items.length : Number(size)).map(tuple);
  },
  product(value, ...others) {
    const lists = [value, ...others].map((list) => [...(requireDefined(list) as unknown[])]);
    return lists.reduce<unknown[][]>((acc, list) => acc.flatMap((prefix) => list.map((item) => [...prefix, item])), [[]]).map(tuple);
  },
  rekey_on_member: (value, ...args) => rekeyOnMember(value, args),
  random: (value, ...args) => randomFilter(value, args),
  shuffle: (value, ...args) => shuffle(value, args),
  unique: (value, ...args) => unique(value, args),
};
