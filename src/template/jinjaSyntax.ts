import { createRequire } from 'node:module';

/**
 * Two places where nunjucks' lexer reads Jinja2 source differently, fixed for the templates we compile
 * (those lexed with `{ jinja: true }`; other nunjucks users are untouched):
 * - `}}` inside an expression may close a dict literal (`{{ {'a': {'b': 1}} }}`), as in Jinja2;
 * - a comment swallows the newline after it under trim_blocks, as a block tag does;
 * - string escapes: Python's (`\n`, `\\`, `\x41`; unknown escapes such as `\d` keep their backslash),
 *   or, with `rawStringsInVariables`, none at all inside `{{ }}`: Ansible doubles backslashes there
 *   before Jinja2 sees them, so `'\d+'` and `'\\1'` reach filters exactly as written in the playbook.
 */
const require = createRequire(import.meta.url);
const lexer: { lex(src: string, opts?: Record<string, unknown>): JinjaTokenizer; [name: string]: unknown } =
  require('nunjucks/src/lexer.js');

interface Token {
  type: string;
  value: string;
  lineno: number;
  colno: number;
}

interface JinjaTokenizer {
  str: string;
  index: number;
  lineno: number;
  colno: number;
  in_code: boolean;
  trimBlocks: boolean;
  jinja?: boolean;
  rawStringsInVariables?: boolean;
  inVariable?: boolean;
  curlyDepth?: number;
  nextToken(): Token | null;
  _parseString(delimiter: string): string;
  forward(): void;
  current(): string;
  isFinished(): boolean;
}

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

tokenizerPrototype.nextToken = function nextToken(this: JinjaTokenizer): Token | null {
  if (!this.jinja) return originalNextToken.call(this);
  if (this.in_code && this.curlyDepth! > 0 && this.str.startsWith('}}', this.index)) {
    const token = { type: 'right-curly', value: '}', lineno: this.lineno, colno: this.colno };
    this.forward();
    this.curlyDepth!--;
    return token;
  }
  const token = originalNextToken.call(this);
  switch (token?.type) {
    case 'variable-start':
      this.inVariable = true;
      this.curlyDepth = 0;
      break;
    case 'block-start':
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
      else if (this.trimBlocks && this.str.startsWith('\r\n', this.index)) {
        this.forward();
        this.forward();
      }
      break;
  }
  return token;
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
        for (let i = 0; i < length; i++) this.forward();
      } else text += ch + next;
    } else text += ch + next;
  }
  this.forward();
  return text;
};

export const JINJA_LEXER_READY = true;
