import { createRequire } from 'node:module';
import type { TemplateNode } from './nunjucksInternals.js';

/**
 * Where nunjucks' lexer and parser read Jinja2 source differently, fixed for the templates we compile
 * (those lexed with `{ jinja: true }`; other nunjucks users are untouched):
 * - `x is in list` and slices `x[1:3]`, `x[::-1]` parse as in Jinja2;
 * - `}}` inside an expression may close a dict literal (`{{ {'a': {'b': 1}} }}`), as in Jinja2;
 * - a comment swallows the newline after it under trim_blocks, as a block tag does;
 * - string escapes: Python's (`\n`, `\\`, `\x41`; unknown escapes such as `\d` keep their backslash),
 *   or, with `rawStringsInVariables`, none at all inside `{{ }}`: Ansible doubles backslashes there
 *   before Jinja2 sees them, so `'\d+'` and `'\\1'` reach filters exactly as written in the playbook.
 */
const require = createRequire(import.meta.url);
const nodes: Record<string, new (...args: unknown[]) => TemplateNode> = require('nunjucks/src/nodes.js');
const parser: { Parser: { prototype: JinjaParser } } = require('nunjucks/src/parser.js');
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

interface JinjaParser {
  tokens: JinjaTokenizer;
  parseIs(): TemplateNode;
  parsePostfix(node: TemplateNode): TemplateNode;
  parseCompare(): TemplateNode;
  parseExpression(): TemplateNode;
  parseSignature(): TemplateNode;
  skipSymbol(name: string): boolean;
  skip(type: string): boolean;
  peekToken(): Token | null;
  nextToken(): Token | null;
  fail(message: string, lineno?: number, colno?: number): never;
}

const originalParseIs = parser.Parser.prototype.parseIs;
const originalParsePostfix = parser.Parser.prototype.parsePostfix;

parser.Parser.prototype.parseIs = function parseIs(this: JinjaParser): TemplateNode {
  if (!this.tokens.jinja) return originalParseIs.call(this);
  let node = this.parseCompare();
  if (this.skipSymbol('is')) {
    const negated = this.skipSymbol('not');
    node = this.skipSymbol('in')
      ? new nodes.In!(node.lineno, node.colno, node, this.parseCompare())
      : new nodes.Is!(node.lineno, node.colno, node, this.parseCompare());
    if (negated) node = new nodes.Not!(node.lineno, node.colno, node);
  }
  return node;
};

/** `[start:stop:step]` after the `[`: a call of the `__slice__` global; a plain `[key]` stays a lookup. */
function parseSubscript(this: JinjaParser, target: TemplateNode, open: Token): TemplateNode {
  const none = () => new nodes.Literal!(open.lineno, open.colno, null);
  const part = (): TemplateNode => {
    const next = this.peekToken();
    return next && (next.type === 'colon' || next.type === 'right-bracket') ? none() : this.parseExpression();
  };
  const start = part();
  if (!this.skip('colon')) {
    if (!this.skip('right-bracket')) this.fail('expected ] after subscript', open.lineno, open.colno);
    return new nodes.LookupVal!(open.lineno, open.colno, target, start);
  }
  const stop = part();
  const step = this.skip('colon') ? part() : none();
  if (!this.skip('right-bracket')) this.fail('expected ] after slice', open.lineno, open.colno);
  const args = new nodes.NodeList!(open.lineno, open.colno, [target, start, stop, step]);
  return new nodes.FunCall!(open.lineno, open.colno, new nodes.Symbol!(open.lineno, open.colno, '__slice__'), args);
}

parser.Parser.prototype.parsePostfix = function parsePostfix(this: JinjaParser, node: TemplateNode): TemplateNode {
  if (!this.tokens.jinja) return originalParsePostfix.call(this, node);
  for (;;) {
    const token = this.peekToken();
    if (token?.type === 'left-bracket') {
      this.nextToken();
      node = parseSubscript.call(this, node, token);
    } else if (token?.type === 'left-paren' || (token?.type === 'operator' && token.value === '.')) {
      // Calls and `.name` lookups: nunjucks' own handling, one step at a time.
      const before = node;
      node = parseCallOrAttribute.call(this, node);
      if (node === before) return node;
    } else return node;
  }
};

/** One `(...)` call or `.name` lookup, built as nunjucks builds them. */
function parseCallOrAttribute(this: JinjaParser, node: TemplateNode): TemplateNode {
  const token = this.peekToken()!;
  if (token.type === 'left-paren') return new nodes.FunCall!(token.lineno, token.colno, node, this.parseSignature());
  this.nextToken();
  const name = this.nextToken();
  if (!name || name.type !== 'symbol') this.fail(`expected name as lookup value, got ${name?.value}`, name?.lineno, name?.colno);
  return new nodes.LookupVal!(token.lineno, token.colno, node, new nodes.Literal!(name.lineno, name.colno, name.value));
}
