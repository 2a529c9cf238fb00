import nodesModule from 'nunjucks/src/nodes.js';
import parserModule from 'nunjucks/src/parser.js';
import type { JinjaTokenizer, Token } from './jinjaLexer.js';
import './jinjaLexer.js';
import type { TemplateNode } from './nunjucksInternals.js';

/**
 * Where nunjucks' parser reads Jinja2 source differently, fixed for the templates we lex with
 * `{ jinja: true }` (the lexer's side is jinjaLexer.ts):
 * - `x is in list`, `x is not divisibleby 3` and slices `x[1:3]`, `x[::-1]` parse as in Jinja2;
 * - `foo.0` is an index lookup;
 * - a call's `*args` spreads a list into its positional arguments (`lookup('list', *names)`).
 */
const nodes: Record<string, new (...args: unknown[]) => TemplateNode> = nodesModule;
const parser: { Parser: { prototype: JinjaParser } } = parserModule;

interface JinjaParser {
  tokens: JinjaTokenizer;
  parseIs(): TemplateNode;
  parsePostfix(node: TemplateNode): TemplateNode;
  parseCompare(): TemplateNode;
  parseExpression(): TemplateNode;
  parseSignature(tolerant?: boolean, noParens?: boolean): TemplateNode;
  parseInlineIf(): TemplateNode;
  parseOr(): TemplateNode;
  parseFilter(node: TemplateNode): TemplateNode;
  parsePrimary(noPostfix?: boolean): TemplateNode;
  skipSymbol(name: string): boolean;
  skip(type: string): boolean;
  skipValue(type: string, value: string): boolean;
  peekToken(): Token | null;
  nextToken(): Token | null;
  fail(message: string, lineno?: number, colno?: number): never;
}

const originalParseIs = parser.Parser.prototype.parseIs;
const originalParseSignature = parser.Parser.prototype.parseSignature;
/** `*expr` in a call's arguments: compiled as a JS spread (compiler.ts compileSplat). */
const Splat = (nodes.Node as unknown as { extend(name: string, props: object): new (...args: unknown[]) => TemplateNode }).extend('Splat', { fields: ['target'] });
const originalParsePostfix = parser.Parser.prototype.parsePostfix;

parser.Parser.prototype.parseIs = function parseIs(this: JinjaParser): TemplateNode {
  if (!this.tokens.jinja) return originalParseIs.call(this);
  let node = this.parseCompare();
  while (this.skipSymbol('is')) {
    const negated = this.skipSymbol('not');
    node = this.skipSymbol('in')
      ? new nodes.In!(node.lineno, node.colno, node, this.parseCompare())
      : new nodes.Is!(node.lineno, node.colno, node, parseTest.call(this));
    if (negated) node = new nodes.Not!(node.lineno, node.colno, node);
  }
  return node;
};

const originalParseFilter = parser.Parser.prototype.parseFilter;
const originalParseInlineIf = parser.Parser.prototype.parseInlineIf;

/** `a if x else b if y else c`: the else branch is itself a conditional expression, as in Jinja2. */
parser.Parser.prototype.parseInlineIf = function parseInlineIf(this: JinjaParser): TemplateNode {
  if (!this.tokens.jinja) return originalParseInlineIf.call(this);
  let node = this.parseOr();
  while (this.skipSymbol('if')) {
    const cond = this.parseOr();
    const conditional = new nodes.InlineIf!(node.lineno, node.colno);
    conditional.body = node;
    conditional.cond = cond;
    conditional.else_ = this.skipSymbol('else') ? this.parseInlineIf() : null;
    node = conditional;
  }
  return node;
};

/**
 * Jinja2 reads filters and tests in one loop after a primary expression, so a test binds tighter than any
 * operator and can be filtered: `x is defined | ternary('a', 'b')`, `not x is none`, `n + 1 is odd`.
 */
parser.Parser.prototype.parseFilter = function parseFilter(this: JinjaParser, node: TemplateNode): TemplateNode {
  if (!this.tokens.jinja) return originalParseFilter.call(this, node);
  for (;;) {
    const next = this.peekToken();
    if (next?.type === 'pipe') node = originalParseFilter.call(this, node);
    else if (next?.type === 'symbol' && next.value === 'is') {
      this.nextToken();
      const negated = this.skipSymbol('not');
      node = new nodes.Is!(node.lineno, node.colno, node, parseTest.call(this));
      if (negated) node = new nodes.Not!(node.lineno, node.colno, node);
    } else return node;
  }
};

// Tokens that may start a test's lone argument (`is divisibleby 3`, `is sameas false`), as in Jinja2.
const ARGUMENT_START = new Set(['symbol', 'string', 'int', 'float', 'left-bracket', 'left-curly', 'none', 'boolean']);
const NOT_AN_ARGUMENT = new Set(['else', 'or', 'and', 'if', 'recursive', 'is']);

/** A test after `is`: its (dotted) name, then `(arguments)` or one bare argument; a call node either way. */
function parseTest(this: JinjaParser): TemplateNode {
  const token = this.nextToken();
  if (!token || !['symbol', 'none', 'boolean'].includes(token.type)) this.fail(`expected a test name after 'is', got ${token?.value}`, token?.lineno, token?.colno);
  let name = token.type === 'none' ? 'none' : token.value;
  while (this.peekToken()?.type === 'operator' && this.peekToken()!.value === '.') {
    this.nextToken();
    name += '.' + this.nextToken()!.value;
  }
  const next = this.peekToken();
  let args: TemplateNode;
  if (next?.type === 'left-paren') args = this.parseSignature();
  else if (next && ARGUMENT_START.has(next.type) && !(next.type === 'symbol' && NOT_AN_ARGUMENT.has(next.value))) {
    args = new nodes.NodeList!(next.lineno, next.colno, [this.parsePrimary()]);
  } else args = new nodes.NodeList!(token.lineno, token.colno, []);
  return new nodes.FunCall!(token.lineno, token.colno, new nodes.Symbol!(token.lineno, token.colno, name), args);
}

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
  if (name?.type === 'int') return new nodes.LookupVal!(token.lineno, token.colno, node, new nodes.Literal!(name.lineno, name.colno, Number(name.value)));
  if (!name || name.type !== 'symbol') this.fail(`expected name as lookup value, got ${name?.value}`, name?.lineno, name?.colno);
  return new nodes.LookupVal!(token.lineno, token.colno, node, new nodes.Literal!(name.lineno, name.colno, name.value));
}

/**
 * A call's arguments as Jinja2 reads them: positional ones, `name=value` ones, and `*list` anywhere, whose
 * items follow the positional ones. Macro signatures and `{% call %}` keep nunjucks' reading.
 */
parser.Parser.prototype.parseSignature = function parseSignature(this: JinjaParser, tolerant?: boolean, noParens?: boolean): TemplateNode {
  if (!this.tokens.jinja || tolerant || noParens || this.peekToken()?.type !== 'left-paren') return originalParseSignature.call(this, tolerant, noParens);
  const open = this.nextToken()!;
  const args = new nodes.NodeList!(open.lineno, open.colno);
  const kwargs = new nodes.KeywordArgs!(open.lineno, open.colno);
  const splats: TemplateNode[] = [];
  while (!this.skip('right-paren')) {
    if ((args.children.length || kwargs.children.length || splats.length) && !this.skip('comma')) {
      const token = this.peekToken();
      this.fail('expected a comma between arguments', token?.lineno, token?.colno);
    }
    if (this.skip('right-paren')) break;
    const star = this.peekToken();
    if (star?.type === 'operator' && star.value === '**') this.fail('**kwargs in a call is not supported', star.lineno, star.colno);
    if (this.skipValue('operator', '*')) {
      splats.push(new Splat(star!.lineno, star!.colno, this.parseExpression()));
      continue;
    }
    const arg = this.parseExpression();
    if (this.skipValue('operator', '=')) kwargs.addChild(new nodes.Pair!(arg.lineno, arg.colno, arg, this.parseExpression()));
    else args.addChild(arg);
  }
  for (const splat of splats) args.addChild(splat);
  if (kwargs.children.length) args.addChild(kwargs);
  return args;
};
