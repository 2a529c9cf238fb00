import { nunjucksCompiler, type NunjucksCompiler, type TemplateNode } from './nunjucksInternals.js';

/*
 * The code nunjucks' compiler emits for expressions, replaced with Python's meaning (truthiness, `and`/`or`
 * returning an operand, deep `==`, list `+`, `~` through str(), tuples, expression dict keys). compiler.ts
 * puts these methods on each Compiler it makes.
 */

function binaryCall(helper: string) {
  return function (this: NunjucksCompiler, node: TemplateNode, frame: unknown): void {
    this._emit(`runtime.${helper}(`);
    this.compile(node.left, frame);
    this._emit(', ');
    this.compile(node.right, frame);
    this._emit(')');
  };
}

// Methods replaced on each nunjucks Compiler instance; `this` is the compiler.
export const pythonSemantics: Record<string, (this: NunjucksCompiler, node: TemplateNode, frame: unknown) => void> = {
  compileIf(node, frame) {
    this._emit('if(runtime.truthy(');
    this._compileExpression(node.cond, frame);
    this._emitLine(')) {');
    this._withScopedSyntax(() => this.compile(node.body, frame));
    if (node.else_) {
      this._emitLine('}\nelse {');
      this._withScopedSyntax(() => this.compile(node.else_, frame));
    }
    this._emitLine('}');
  },
  compileInlineIf(node, frame) {
    this._emit('(runtime.truthy(');
    this.compile(node.cond, frame);
    this._emit(') ? ');
    this.compile(node.body, frame);
    this._emit(' : ');
    if (node.else_ !== null) this.compile(node.else_, frame);
    else this._emit('""');
    this._emit(')');
  },
  compileOr(node, frame) {
    this._emit('runtime.or(');
    this.compile(node.left, frame);
    this._emit(', () => (');
    this.compile(node.right, frame);
    this._emit('))');
  },
  compileAnd(node, frame) {
    this._emit('runtime.and(');
    this.compile(node.left, frame);
    this._emit(', () => (');
    this.compile(node.right, frame);
    this._emit('))');
  },
  compileNot(node, frame) {
    this._emit('!runtime.truthy(');
    this.compile(node.target, frame);
    this._emit(')');
  },
  compileIs(node, frame) {
    // The parser makes every test a call: `is defined` has no arguments, `is divisibleby 3` one.
    this._emit(`runtime.callTest(env, context, ${JSON.stringify(node.right.name.value)}, `);
    this.compile(node.left, frame);
    this._emit(', [');
    this._compileAggregate(node.right.args, frame);
    this._emit('])');
  },
  compileIn(node, frame) {
    this._emit('runtime.inOperator(');
    this.compile(node.left, frame);
    this._emit(', ');
    this.compile(node.right, frame);
    this._emit(')');
  },
  compileCompare(node, frame) {
    // Python chains `a < b < c` as `a < b and b < c`.
    let left: TemplateNode = node.expr;
    node.ops.forEach((op: TemplateNode, i: number) => {
      if (i > 0) this._emit(' && ');
      this._emit(`runtime.compare(${JSON.stringify(op.type)}, `);
      this.compile(left, frame);
      this._emit(', ');
      this.compile(op.expr, frame);
      this._emit(')');
      left = op.expr;
    });
  },
  compileAdd: binaryCall('add'),
  compileConcat: binaryCall('concat'),
  compileMul: binaryCall('mul'),
  compileMod: binaryCall('mod'),
  compileGroup(node, frame) {
    // `(a, b)`, `(a,)` and `()` are Python tuples (lists marked to print as tuples); `(a)` is a group.
    const [open, close] = node.isTuple || (node.children.length !== 1 && node.isTuple === undefined) ? ['runtime.tuple([', '])'] : ['(', ')'];
    this._emit(open);
    node.children.forEach((child: TemplateNode, i: number) => {
      if (i > 0) this._emit(', ');
      this.compile(child, frame);
    });
    this._emit(close);
  },
  compileDict(node, frame) {
    // Jinja2 dict keys are expressions (`{item.key: item.value}`), not bare names as in nunjucks.
    this._emit('runtime.makeDict([');
    node.children.forEach((pair: TemplateNode, i: number) => {
      if (i > 0) this._emit(', ');
      this._emit('[');
      this.compile(pair.key, frame);
      this._emit(', ');
      this._compileExpression(pair.value, frame);
      this._emit(']');
    });
    this._emit('])');
  },
  compileSplat(node, frame) {
    this._emit('...runtime.splatArguments(');
    this._compileExpression(node.target, frame);
    this._emit(')');
  },
  compileKeywordArgs(node, frame) {
    this._emit('runtime.makeKeywordArgs({');
    node.children.forEach((pair: TemplateNode, i: number) => {
      if (i > 0) this._emit(', ');
      this._emit(`${JSON.stringify(pair.key.value)}: `);
      this._compileExpression(pair.value, frame);
    });
    this._emit('})');
  },
};

const originalCompileOutput = nunjucksCompiler.Compiler.prototype.compileOutput as (this: NunjucksCompiler, node: TemplateNode, frame: unknown) => void;

// Each output records its line, so that an error (an undefined variable, say) names the template line.
pythonSemantics.compileOutput = function compileOutput(node, frame) {
  if (node.children.some((child: TemplateNode) => child.typename !== 'TemplateData')) this._emitLine(`lineno = ${node.lineno};`);
  originalCompileOutput.call(this, node, frame);
};

const originalNodeName = nunjucksCompiler.Compiler.prototype._getNodeName as (this: NunjucksCompiler, node: TemplateNode) => string;

// The name of a called thing goes into a JS string literal for messages (`"\n".join(...)` is called "\n"["join"]).
pythonSemantics._getNodeName = function getNodeName(node) {
  return originalNodeName.call(this, node).replace(/[\\\n\r\u2028\u2029]/g, ' ');
} as (typeof pythonSemantics)[string];
