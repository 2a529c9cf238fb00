import lexerModule from 'nunjucks/src/lexer.js';

/**
 * Where nunjucks' lexer reads Jinja2 source differently, fixed for the templates we lex with
 * `{ jinja: true }` (other nunjucks users are untouched):
 * - text between tags is Jinja2's: a stray `#}` is text, a comment ends at the first `#}`, `lstrip_blocks`
 *   strips a tag's indentation only when the tag starts its line, `{%+` keeps it and `+%}` keeps the
 *   newline trim_blocks would eat;
 * - `foo.0.bar` lexes as lookups of 0 and `bar`, not as the float `0.`;
 * - `}}` inside an expression may close a dict literal (`{{ {'a': {'b': 1}} }}`);
 * - a comment swallows the newline after it under trim_blocks, as a block tag does;
 * - string escapes: Python's (`\n`, `\\`, `\x41`; unknown escapes such as `\d` keep their backslash),
 *   or, with `rawStringsInVariables`, none at all inside `{{ }}`: Ansible doubles backslashes there
 *   before Jinja2 sees them, so `'\d+'` and `'\\1'` reach filters exactly as written in the playbook.
 */
export interface Token {
  type: string;
  value: string;
  lineno: number;
  colno: number;
}

export interface JinjaTokenizer {
  str: string;
  index: number;
  len: number;
  lineno: number;
  colno: number;
  in_code: boolean;
  trimBlocks: boolean;
  lstripBlocks: boolean;
  tags: Delimiters & { BLOCK_END: string; VARIABLE_END: string };
  jinja?: boolean;
  rawStringsInVariables?: boolean;
  inVariable?: boolean;
  curlyDepth?: number;
  afterDot?: boolean;
  /** The words of the tag being lexed (`{% raw %}` keeps its newline: Jinja2 does not trim it). */
  tagWords?: string[];
  nextToken(): Token | null;
  _parseString(delimiter: string): string;
  forward(): void;
  forwardN(n: number): void;
  current(): string;
  isFinished(): boolean;
}

const lexer: { lex(src: string, opts?: Record<string, unknown>): JinjaTokenizer; [name: string]: unknown } = lexerModule;

const PYTHON_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };

const tokenizerPrototype = Object.getPrototypeOf(lexer.lex('')) as JinjaTokenizer;
const originalNextToken = tokenizerPrototype.nextToken;
const originalParseString = tokenizerPrototype._parseString;
const originalLex = lexer.lex;

lexer.lex = function lex(src: string, opts?: Record<string, unknown>): JinjaTokenizer {
  const tokenizer = originalLex(src, opts);
  if (opts?.jinja) {
    tokenizer.jinja = true;
    tokenizer.rawStringsInVariables = Boolean(opts.rawStringsInVariables);
    tokenizer.curlyDepth = 0;
  }
  return tokenizer;
};

function token(type: string, value: string, lineno: number, colno: number): Token {
  return { type, value, lineno, colno };
}

interface Delimiters {
  BLOCK_START: string;
  VARIABLE_START: string;
  COMMENT_START: string;
  COMMENT_END: string;
}

/** Where the next block, variable or comment start is, at or after `from` (the source's end if none). */
function nextTagStart(str: string, tags: Delimiters, from: number): number {
  let first = str.length;
  for (const start of [tags.BLOCK_START, tags.VARIABLE_START, tags.COMMENT_START]) {
    const at = str.indexOf(start, from);
    if (at >= 0 && at < first) first = at;
  }
  return first;
}

/** Jinja2's lstrip_blocks: the spaces and tabs before a block or comment tag that starts its line go. */
function lstripped(tokenizer: JinjaTokenizer, data: string, dataStart: number, tagAt: number): string {
  const { str, tags } = tokenizer;
  if (!tokenizer.lstripBlocks || tagAt >= str.length || str.startsWith(tags.VARIABLE_START, tagAt)) return data;
  const marker = str[tagAt + (str.startsWith(tags.BLOCK_START, tagAt) ? tags.BLOCK_START : tags.COMMENT_START).length];
  if (marker === '+') return data;
  const lineStart = data.lastIndexOf('\n') + 1;
  if (lineStart === 0 && dataStart > 0 && str[dataStart - 1] !== '\n') return data;
  return /^[ \t]*$/.test(data.slice(lineStart)) ? data.slice(0, lineStart) : data;
}

function dataToken(this: JinjaTokenizer): Token | null {
  if (this.isFinished()) return null;
  const { lineno, colno, str, tags } = this;
  for (const [start, type] of [[tags.BLOCK_START, 'block-start'], [tags.VARIABLE_START, 'variable-start']] as const) {
    if (!str.startsWith(start, this.index)) continue;
    const marker = str[this.index + start.length];
    const value = marker === '-' ? start + '-' : start;
    this.forwardN(start.length + (marker === '-' || marker === '+' ? 1 : 0));
    this.in_code = true;
    return token(type, value, lineno, colno);
  }
  if (str.startsWith(tags.COMMENT_START, this.index)) {
    const end = str.indexOf(tags.COMMENT_END, this.index + tags.COMMENT_START.length);
    if (end < 0) throw Object.assign(new Error('a comment is never closed'), { lineno, colno });
    const value = str.slice(this.index, end + tags.COMMENT_END.length);
    this.forwardN(value.length);
    return token('comment', value, lineno, colno);
  }
  const dataStart = this.index;
  const tagAt = nextTagStart(str, tags, dataStart);
  const data = lstripped(this, str.slice(dataStart, tagAt), dataStart, tagAt);
  this.forwardN(tagAt - dataStart);
  return data === '' ? this.nextToken() : token('data', data, lineno, colno);
}

/** In code: `+%}` (keep the newline), `.0` (an index after a dot), `}}` closing a dict. */
function codeToken(this: JinjaTokenizer): Token | null {
  if (this.curlyDepth! > 0 && this.str.startsWith('}}', this.index)) {
    const closing = token('right-curly', '}', this.lineno, this.colno);
    this.forward();
    this.curlyDepth!--;
    return closing;
  }
  if (this.afterDot && /[0-9]/.test(this.current())) {
    const { lineno, colno } = this;
    let digits = '';
    while (/[0-9]/.test(this.current())) {
      digits += this.current();
      this.forward();
    }
    return token('int', digits, lineno, colno);
  }
  const keepNewline = this.tagWords?.length === 1 && this.tagWords[0] === 'raw' && /^-?$/.test(this.str.slice(this.index, this.str.indexOf(this.tags.BLOCK_END, this.index)).trim());
  if (keepNewline || (this.current() === '+' && this.str.startsWith(this.tags.BLOCK_END, this.index + 1))) {
    if (!keepNewline) this.forward();
    const trimBlocks = this.trimBlocks;
    this.trimBlocks = false;
    try {
      return originalNextToken.call(this);
    } finally {
      this.trimBlocks = trimBlocks;
    }
  }
  return originalNextToken.call(this);
}

tokenizerPrototype.nextToken = function nextToken(this: JinjaTokenizer): Token | null {
  if (!this.jinja) return originalNextToken.call(this);
  const next = this.in_code ? codeToken.call(this) : dataToken.call(this);
  this.afterDot = next?.type === 'operator' && next.value === '.';
  switch (next?.type) {
    case 'variable-start':
      this.inVariable = true;
      this.curlyDepth = 0;
      break;
    case 'block-start':
      this.tagWords = [];
      this.inVariable = false;
      this.curlyDepth = 0;
      break;
    case 'symbol':
      this.tagWords?.push(next!.value);
      break;
    case 'variable-end':
      this.inVariable = false;
      this.curlyDepth = 0;
      break;
    case 'left-curly':
      this.curlyDepth!++;
      break;
    case 'right-curly':
      this.curlyDepth = Math.max(0, this.curlyDepth! - 1);
      break;
    case 'comment':
      // Jinja2's trim_blocks also removes the newline after a comment; nunjucks keeps it.
      if (this.trimBlocks && this.str.startsWith('\n', this.index)) this.forward();
      else if (this.trimBlocks && this.str.startsWith('\r\n', this.index)) this.forwardN(2);
      break;
  }
  return next;
};

tokenizerPrototype._parseString = function parseString(this: JinjaTokenizer, delimiter: string): string {
  if (!this.jinja) return originalParseString.call(this, delimiter);
  const raw = this.rawStringsInVariables && this.inVariable;
  this.forward();
  let text = '';
  while (!this.isFinished() && this.current() !== delimiter) {
    const ch = this.current();
    this.forward();
    if (ch !== '\\' || this.isFinished()) {
      text += ch;
      continue;
    }
    const next = this.current();
    this.forward();
    if (raw) text += ch + next;
    else if (next in PYTHON_ESCAPES) text += PYTHON_ESCAPES[next];
    else if (next === 'x' || next === 'u') {
      const length = next === 'x' ? 2 : 4;
      const hex = this.str.slice(this.index, this.index + length);
      if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === length) {
        text += String.fromCharCode(parseInt(hex, 16));
        this.forwardN(length);
      } else text += ch + next;
    } else text += ch + next;
  }
  this.forward();
  return text;
};
