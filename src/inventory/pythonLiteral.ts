/**
 * A reader for the Python literals ansible-core's INI plugin accepts through `ast.literal_eval`:
 * numbers, strings, True/False/None, lists, tuples (as arrays) and dicts. Anything else (e.g. `false`,
 * `0755`, `yes`, `a b`) is not a literal and the caller keeps the raw text, exactly as Ansible does.
 */

const NOT_A_LITERAL = Symbol('not a literal');

/**
 * Returns the value of `text` as a Python literal, or `undefined` when Ansible would keep the string.
 * `jsonNames` also reads JSON's true, false and null, as the templating's conversion of a rendered text does.
 */
export function parsePythonLiteral(text: string, options: { jsonNames?: boolean } = {}): { value: unknown } | undefined {
  const reader = new LiteralReader(text, options.jsonNames ?? false);
  try {
    reader.skipSpace();
    const value = reader.readValue();
    reader.skipSpace();
    if (!reader.atEnd()) return undefined;
    return { value };
  } catch (error) {
    if (error === NOT_A_LITERAL) return undefined;
    throw error;
  }
}

const NUMBER =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?)/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const PYTHON_CONSTANTS: Record<string, unknown> = { True: true, False: false, None: null };
const JSON_AND_PYTHON_CONSTANTS: Record<string, unknown> = { ...PYTHON_CONSTANTS, true: true, false: false, null: null };
const STRING_PREFIX = /^(?:[rR][bB]?|[bB][rR]?|[uU])?(?=['"])/;

class LiteralReader {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly jsonNames: boolean,
  ) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (!this.atEnd()) {
      const ch = this.text[this.pos]!;
      if (ch === ' ' || ch === '\t' || ch === '\f') this.pos++;
      else if (ch === '#') this.pos = this.text.length; // a Python comment ends the expression
      else break;
    }
  }

  readValue(): unknown {
    const ch = this.text[this.pos];
    if (ch === '[') return this.readSequence('[', ']');
    if (ch === '(') return this.readSequence('(', ')');
    if (ch === '{') return this.readDict();
    if (ch === '-' || ch === '+') {
      this.pos++;
      this.skipSpace();
      const operand = this.readNumber();
      return ch === '-' ? -operand : operand;
    }
    const rest = this.text.slice(this.pos);
    if (STRING_PREFIX.test(rest)) return this.readStrings();
    if (/^[0-9.]/.test(rest)) return this.readNumber();
    const name = NAME.exec(rest)?.[0];
    const constants: Record<string, unknown> = this.jsonNames ? JSON_AND_PYTHON_CONSTANTS : PYTHON_CONSTANTS;
    if (name !== undefined && Object.hasOwn(constants, name)) {
      this.pos += name.length;
      return constants[name];
    }
    throw NOT_A_LITERAL;
  }

  private readNumber(): number {
    const rest = this.text.slice(this.pos);
    const match = NUMBER.exec(rest);
    if (!match || match[0] === '.' || /^[A-Za-z0-9_.]/.test(rest.slice(match[0].length))) throw NOT_A_LITERAL;
    const digits = match[0].replace(/_/g, '');
    this.pos += match[0].length;
    if (/^0[xXoObB]/.test(digits)) return Number(digits);
    if (/[.eE]/.test(digits)) return Number.parseFloat(digits);
    // Python 3 rejects decimal integers with leading zeros (`0755`), except all-zero ones (`00`)
    if (/^0\d/.test(digits) && !/^0+$/.test(digits)) throw NOT_A_LITERAL;
    return Number(digits);
  }

  /** Adjacent string literals concatenate, as in Python: `'a' "b"` is `ab`. */
  private readStrings(): string {
    let result = '';
    do {
      result += this.readString();
      this.skipSpace();
    } while (STRING_PREFIX.test(this.text.slice(this.pos)));
    return result;
  }

  private readString(): string {
    const prefix = STRING_PREFIX.exec(this.text.slice(this.pos))![0];
    const raw = /r/i.test(prefix);
    this.pos += prefix.length;
    const quote = this.text.startsWith(this.text[this.pos]!.repeat(3), this.pos) ? this.text[this.pos]!.repeat(3) : this.text[this.pos]!;
    this.pos += quote.length;
    let value = '';
    while (!this.text.startsWith(quote, this.pos)) {
      if (this.atEnd()) throw NOT_A_LITERAL;
      const ch = this.text[this.pos]!;
      if (ch === '\\' && this.pos + 1 < this.text.length) {
        const next = this.text[this.pos + 1]!;
        value += raw ? ch + next : unescape(next);
        this.pos += 2;
      } else {
        value += ch;
        this.pos++;
      }
    }
    this.pos += quote.length;
    return value;
  }

  private readSequence(open: string, close: string): unknown[] {
    this.pos++;
    const items: unknown[] = [];
    let sawComma = false;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) break;
      items.push(this.readValue());
      this.skipSpace();
      if (this.text[this.pos] === ',') {
        this.pos++;
        sawComma = true;
      } else if (this.text[this.pos] !== close) throw NOT_A_LITERAL;
    }
    this.pos++;
    // `(1)` is just 1 in Python; only `(1,)` or `()` make a tuple
    if (open === '(' && items.length === 1 && !sawComma) return items[0] as unknown[];
    return items;
  }

  private readDict(): Record<string, unknown> {
    this.pos++;
    const result: Record<string, unknown> = {};
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') break;
      const key = this.readValue();
      this.skipSpace();
      // a set literal `{1, 2}` or a non-scalar key cannot become JSON; Ansible keeps such text as a string
      if (this.text[this.pos] !== ':' || (typeof key === 'object' && key !== null)) throw NOT_A_LITERAL;
      this.pos++;
      this.skipSpace();
      result[pythonKey(key)] = this.readValue();
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') throw NOT_A_LITERAL;
    }
    this.pos++;
    return result;
  }
}

function pythonKey(key: unknown): string {
  // the keys json.dumps writes for Python's True/False/None, which is what ansible-inventory prints
  if (key === true) return 'true';
  if (key === false) return 'false';
  if (key === null) return 'null';
  return String(key);
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };

function unescape(ch: string): string {
  if (ch in ESCAPES) return ESCAPES[ch]!;
  if (ch === '\\' || ch === "'" || ch === '"') return ch;
  return '\\' + ch; // unknown escapes keep their backslash in Python
}
