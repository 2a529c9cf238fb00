import nodesModule from 'nunjucks/src/nodes.js';
import parserModule from 'nunjucks/src/parser.js';
import type { Token } from './jinjaLexer.js';
import type { TemplateNode } from './nunjucksInternals.js';

/**
 * Jinja2 statements nunjucks parses differently or not at all, for templates lexed with `{ jinja: true }`:
 * `{% for x in y if cond recursive %}`, `{% with a = 1 %}`, `{% include ... ignore missing with context %}`.
 * The compiler side is statementCompiler.ts.
 */
type NodeClass = new (...args: unknown[]) => TemplateNode;
const nodes: Record<string, NodeClass> & { Node: { extend(name: string, props: object): NodeClass } } = nodesModule;
const parser: { Parser: { prototype: StatementParser } } = parserModule;

interface StatementParser {
  tokens: { jinja?: boolean; str: string; index: number; trimBlocks: boolean; tags: { BLOCK_START: string; BLOCK_END: string }; forwardN(n: number): void };
  parseRaw(tagName?: string): TemplateNode;
  parseAggregate(): TemplateNode | null;
  nextToken(): Token | null;
  dropLeadingWhitespace: boolean;
  parseStatement(): TemplateNode | null;
  parseSet(): TemplateNode;
  parseFor(): TemplateNode;
  parseInclude(): TemplateNode;
  parseExpression(): TemplateNode;
  parseOr(): TemplateNode;
  parsePrimary(noPostfix?: boolean): TemplateNode;
  parseUntilBlocks(...names: string[]): TemplateNode;
  parseWithContext(): boolean | null;
  advanceAfterBlockEnd(name?: string): Token;
  skipSymbol(name: string): boolean;
  skip(type: string): boolean;
  skipValue(type: string, value: string): boolean;
  peekToken(): Token;
  fail(message: string, lineno?: number, colno?: number): never;
}

/** `{% with a = 1, b = x %}...{% endwith %}`: names bound for the body only. */
export const WithNode = nodes.Node.extend('With', { fields: ['targets', 'values', 'body'] });

const originalParseStatement = parser.Parser.prototype.parseStatement;
const originalParseSet = parser.Parser.prototype.parseSet;

/** `{% set a, b = 1, 2 %}`: a value written as several expressions is a tuple, as in Jinja2. */
parser.Parser.prototype.parseSet = function parseSet(this: StatementParser): TemplateNode {
  if (!this.tokens.jinja) return originalParseSet.call(this);
  const parseExpression = this.parseExpression;
  this.parseExpression = function parseTupleExpression(this: StatementParser): TemplateNode {
    // Only the value itself: expressions nested inside it parse as usual.
    this.parseExpression = parseExpression;
    const first = parseExpression.call(this);
    if (this.peekToken()?.type !== 'comma') return first;
    const group = new nodes.Group!(first.lineno, first.colno, [first]);
    while (this.skip('comma') && this.peekToken()?.type !== 'block-end') group.children.push(parseExpression.call(this));
    group.isTuple = true;
    return group;
  };
  try {
    return originalParseSet.call(this);
  } finally {
    this.parseExpression = parseExpression;
  }
};
const originalParseFor = parser.Parser.prototype.parseFor;
const originalParseInclude = parser.Parser.prototype.parseInclude;
const originalParseRaw = parser.Parser.prototype.parseRaw;
const originalParseAggregate = parser.Parser.prototype.parseAggregate;

const AGGREGATES: Record<string, [string, string]> = { 'left-paren': ['Group', 'right-paren'], 'left-bracket': ['Array', 'right-bracket'], 'left-curly': ['Dict', 'right-curly'] };

/** `(a, b)`, `[a, b]`, `{k: v}` with Python's trailing comma; `(1,)` and `()` are tuples. */
parser.Parser.prototype.parseAggregate = function parseAggregate(this: StatementParser): TemplateNode | null {
  if (!this.tokens.jinja) return originalParseAggregate.call(this);
  const open = this.peekToken();
  const kind = open && AGGREGATES[open.type];
  if (!kind) return null;
  this.nextToken();
  const node = new nodes[kind[0]]!(open.lineno, open.colno);
  let trailingComma = false;
  while (!this.skip(kind[1])) {
    if (!this.peekToken()) this.fail(`unexpected end of template: ${kind[1].replace('right-', 'closing ')} expected`, open.lineno, open.colno);
    if (node.children.length > 0 && !this.skip('comma')) this.fail(`expected , or ${kind[1].replace('right-', 'closing ')}`, open.lineno, open.colno);
    if (this.skip(kind[1])) {
      trailingComma = true;
      break;
    }
    if (kind[0] === 'Dict') {
      // A key is any expression (`{ parts[1:] | join('.'): value }`).
      const key = this.parseExpression();
      if (!this.skip('colon')) this.fail('expected : after a dict key', open.lineno, open.colno);
      node.children.push(new nodes.Pair!(key.lineno, key.colno, key, this.parseExpression()));
    } else node.children.push(this.parseExpression());
  }
  node.isTuple = kind[0] === 'Group' && (trailingComma || node.children.length !== 1);
  return node;
};

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `{% raw %}...{% endraw %}`: the text up to the first endraw, with Jinja2's whitespace control. */
parser.Parser.prototype.parseRaw = function parseRaw(this: StatementParser, tagName = 'raw'): TemplateNode {
  if (!this.tokens.jinja) return originalParseRaw.call(this, tagName);
  const begun = this.advanceAfterBlockEnd();
  this.dropLeadingWhitespace = false;
  const { tokens } = this;
  const end = new RegExp(`${escapeRegex(tokens.tags.BLOCK_START)}(-?)\\s*end${tagName}\\s*(-?)${escapeRegex(tokens.tags.BLOCK_END)}`, 'g');
  end.lastIndex = tokens.index;
  const match = end.exec(tokens.str);
  if (!match) this.fail(`unexpected end of template: {% ${tagName} %} is never closed`, begun.lineno, begun.colno);
  let body = tokens.str.slice(tokens.index, match.index);
  if (begun.value.startsWith('-')) body = body.replace(/^\s+/, '');
  if (match[1] === '-') body = body.replace(/\s+$/, '');
  tokens.forwardN(match.index + match[0].length - tokens.index);
  if (match[2] === '-') this.dropLeadingWhitespace = true;
  else if (tokens.trimBlocks && tokens.str.startsWith('\n', tokens.index)) tokens.forwardN(1);
  else if (tokens.trimBlocks && tokens.str.startsWith('\r\n', tokens.index)) tokens.forwardN(2);
  return new nodes.Output!(begun.lineno, begun.colno, [new nodes.TemplateData!(begun.lineno, begun.colno, body)]);
};

parser.Parser.prototype.parseStatement = function parseStatement(this: StatementParser): TemplateNode | null {
  const token = this.peekToken();
  if (this.tokens.jinja && token?.type === 'symbol') {
    if (token.value === 'with') return parseWith.call(this);
    if (token.value === 'autoescape') return parseAutoescape.call(this);
    if (['do', 'break', 'continue', 'trans'].includes(token.value)) {
      this.fail(`{% ${token.value} %} is not supported by playtree`, token.lineno, token.colno);
    }
  }
  return originalParseStatement.call(this);
};

/** `{% autoescape false %}...{% endautoescape %}`: Ansible never escapes, so only `false` means what it says. */
function parseAutoescape(this: StatementParser): TemplateNode {
  const tag = this.peekToken();
  this.skipSymbol('autoescape');
  const value = this.parseExpression();
  if (value.typename !== 'Literal' || value.value !== false) this.fail('{% autoescape %} other than false is not supported by playtree (Ansible templates are not HTML-escaped)', tag.lineno, tag.colno);
  this.advanceAfterBlockEnd('autoescape');
  const body = this.parseUntilBlocks('endautoescape');
  this.advanceAfterBlockEnd();
  return body;
}

function parseWith(this: StatementParser): TemplateNode {
  const tag = this.peekToken();
  this.skipSymbol('with');
  const targets: TemplateNode[] = [];
  const values: TemplateNode[] = [];
  while (this.peekToken()?.type !== 'block-end') {
    if (targets.length && !this.skip('comma')) this.fail('expected , between with assignments', tag.lineno, tag.colno);
    targets.push(this.parsePrimary(true));
    if (!this.skipValue('operator', '=')) this.fail('expected = in with statement', tag.lineno, tag.colno);
    values.push(this.parseExpression());
  }
  this.advanceAfterBlockEnd('with');
  const body = this.parseUntilBlocks('endwith');
  this.advanceAfterBlockEnd();
  return new WithNode(tag.lineno, tag.colno, targets, values, body);
}

/** Jinja2's for: `in` takes no inline if; a trailing `if cond` filters and `recursive` allows `loop(...)`. */
parser.Parser.prototype.parseFor = function parseFor(this: StatementParser): TemplateNode {
  if (!this.tokens.jinja) return originalParseFor.call(this);
  const tag = this.peekToken();
  this.skipSymbol('for');
  const node = new nodes.For!(tag.lineno, tag.colno);
  // `for k, v in ...` or `for (k, v) in ...`
  const parenthesised = this.skip('left-paren');
  const first = this.parsePrimary(true);
  node.name = first;
  if (this.peekToken().type === 'comma') {
    node.name = new nodes.Array!(first.lineno, first.colno, [first]);
    while (this.skip('comma')) node.name.children.push(this.parsePrimary(true));
  }
  if (parenthesised && !this.skip('right-paren')) this.fail('expected ) after the loop variables', tag.lineno, tag.colno);
  for (const name of node.name.typename === 'Array' ? node.name.children : [node.name]) {
    if (name.typename !== 'Symbol') this.fail('expected a variable name in the for statement', tag.lineno, tag.colno);
  }
  if (!this.skipSymbol('in')) this.fail('expected "in" in the for statement', tag.lineno, tag.colno);
  node.arr = this.parseOr();
  node.cond = this.skipSymbol('if') ? this.parseOr() : null;
  node.recursive = this.skipSymbol('recursive');
  this.advanceAfterBlockEnd('for');
  node.body = this.parseUntilBlocks('endfor', 'else');
  if (this.skipSymbol('else')) {
    this.advanceAfterBlockEnd('else');
    node.else_ = this.parseUntilBlocks('endfor');
  }
  this.advanceAfterBlockEnd();
  return node;
};

parser.Parser.prototype.parseInclude = function parseInclude(this: StatementParser): TemplateNode {
  if (!this.tokens.jinja) return originalParseInclude.call(this);
  const tag = this.peekToken();
  this.skipSymbol('include');
  const node = new nodes.Include!(tag.lineno, tag.colno);
  node.template = this.parseExpression();
  if (this.skipSymbol('ignore')) {
    if (!this.skipSymbol('missing')) this.fail('expected "missing" after "ignore"', tag.lineno, tag.colno);
    node.ignoreMissing = true;
  }
  node.withContext = this.parseWithContext() ?? true;
  this.advanceAfterBlockEnd('include');
  return node;
};
