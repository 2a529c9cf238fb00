import { UndefinedValue } from './undefinedValue.js';

/**
 * Python semantics for JS values, so templates behave as Jinja2 does under Ansible: str() rendering
 * (`True`, `None`, `['a', 'b']`), truthiness (empty list and dict are false), deep equality and ordering.
 */

export function isMapping(value: unknown): value is Record<string, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !(value instanceof String) &&
    !(value instanceof UndefinedValue) &&
    !(value instanceof RegExp)
  );
}

/** nunjucks' SafeString is a String object; everything else that is text is a primitive string. */
export function isText(value: unknown): value is string | String {
  return typeof value === 'string' || value instanceof String;
}

const TUPLE = Symbol('tuple');

/**
 * Marks a list as a Python tuple: it prints as `(1, 2)` (a tuple of one as `(1,)`) and is a list otherwise.
 * Tuples come from literals, `dict.items()`, `dictsort`, `zip`, `groupby`, `subelements`...
 */
export function tuple<T extends unknown[]>(items: T): T {
  Object.defineProperty(items, TUPLE, { value: true });
  return items;
}

export function isTuple(value: unknown[]): boolean {
  return (value as unknown as Record<symbol, boolean>)[TUPLE] === true;
}

export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (isText(value)) return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'function') return 'function';
  return 'dict';
}

export function pyTruthy(value: unknown): boolean {
  if (value instanceof UndefinedValue) value.fail();
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (isText(value)) return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

function pyNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return String(value);
}

/** Python repr() of a string: single quotes unless the text holds a single quote and no double one. */
function pyStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) out += '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

export function pyRepr(value: unknown): string {
  if (isText(value)) return pyStringRepr(value.toString());
  return pyStr(value);
}

/** Python str(): what `{{ value }}` prints inside text. */
export function pyStr(value: unknown): string {
  if (value instanceof UndefinedValue) value.fail();
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyNumber(value);
  if (value instanceof String) return value.toString();
  if (typeof value === 'function') return `<function ${value.name || 'lambda'}>`;
  if (Array.isArray(value)) {
    if (isTuple(value)) return value.length === 1 ? `(${pyRepr(value[0])},)` : '(' + value.map(pyRepr).join(', ') + ')';
    return '[' + value.map(pyRepr).join(', ') + ']';
  }
  if (isMapping(value)) {
    return '{' + Object.keys(value).map((key) => `${pyStringRepr(key)}: ${pyRepr(value[key])}`).join(', ') + '}';
  }
  return String(value);
}

export function pyEquals(a: unknown, b: unknown): boolean {
  if (a instanceof UndefinedValue || b instanceof UndefinedValue) {
    return (a instanceof UndefinedValue ? a : (b as UndefinedValue)).fail();
  }
  if (a === b) return true;
  if (a === undefined || b === undefined) return a === null || b === null ? a == b : false;
  if (isText(a) && isText(b)) return a.toString() === b.toString();
  // Python: True == 1 and False == 0.
  if (typeof a === 'boolean' && typeof b === 'number') return Number(a) === b;
  if (typeof a === 'number' && typeof b === 'boolean') return a === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => pyEquals(item, b[i]));
  }
  if (isMapping(a) && isMapping(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => key in b && pyEquals(a[key], b[key]));
  }
  return false;
}

/** Python ordering (`<`): numbers with numbers, strings with strings, lists element-wise. */
export function pyCompare(a: unknown, b: unknown): number {
  if (a instanceof UndefinedValue) a.fail();
  if (b instanceof UndefinedValue) b.fail();
  const numeric = (v: unknown) => typeof v === 'number' || typeof v === 'boolean';
  if (numeric(a) && numeric(b)) return Number(a) - Number(b);
  if (isText(a) && isText(b)) {
    const x = a.toString();
    const y = b.toString();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const order = pyCompare(a[i], b[i]);
      if (order !== 0) return order;
    }
    return a.length - b.length;
  }
  throw new TypeError(`'<' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

/** Python's `%` on numbers: the result takes the sign of the divisor (`-3 % 2` is 1), unlike JS's remainder. */
export function pyModulo(a: number, b: number): number {
  const remainder = a % b;
  return remainder !== 0 && remainder < 0 !== b < 0 ? remainder + b : remainder;
}

/** Python's `in`: substring, list membership or dict key. */
export function pyContains(container: unknown, item: unknown): boolean {
  if (container instanceof UndefinedValue) container.fail();
  if (item instanceof UndefinedValue) item.fail();
  if (isText(container)) {
    if (!isText(item)) throw new TypeError(`'in <string>' requires string as left operand, not ${pyTypeName(item)}`);
    return container.toString().includes(item.toString());
  }
  if (Array.isArray(container)) return container.some((entry) => pyEquals(entry, item));
  if (isMapping(container)) return isText(item) || typeof item === 'number' ? String(item) in container : false;
  throw new TypeError(`argument of type '${pyTypeName(container)}' is not iterable`);
}

/** Python's printf-style `'%s-%d' % (a, b)`, for the common conversions and flags. */
export function pyFormat(format: string, args: unknown[]): string {
  const queue = [...args];
  return format.replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([sdirfx%])/g, (_m, flags: string, width: string, precision: string | undefined, kind: string) => {
    if (kind === '%') return '%';
    const value = queue.shift();
    let text: string;
    if (kind === 'd' || kind === 'i') text = String(Math.trunc(Number(value)));
    else if (kind === 'f') text = Number(value).toFixed(precision !== undefined ? Number(precision) : 6);
    else if (kind === 'x') text = Math.trunc(Number(value)).toString(16);
    else if (kind === 'r') text = pyRepr(value);
    else text = pyStr(value);
    if (kind === 's' && precision !== undefined) text = text.slice(0, Number(precision));
    if (flags.includes('+') && kind !== 's' && kind !== 'r' && !text.startsWith('-')) text = '+' + text;
    const size = Number(width || 0);
    if (flags.includes('-')) return text.padEnd(size);
    if (flags.includes('0') && kind !== 's') {
      const sign = /^[-+]/.test(text) ? text[0]! : '';
      return sign + text.slice(sign.length).padStart(size - sign.length, '0');
    }
    return text.padStart(size);
  });
}
