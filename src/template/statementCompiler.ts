import nodesModule from 'nunjucks/src/nodes.js';
import { nunjucksCompiler, type NunjucksCompiler, type TemplateNode } from './nunjucksInternals.js';

const nunjucksNodes: Record<string, { prototype: object }> = nodesModule;

/**
 * Code for the Jinja2 statements whose meaning differs from nunjucks': for loops (filter, else, recursive,
 * Jinja2's `loop` object), `with`, `{% set ns.attr = %}`, include/import/from-import (through the
 * template loader of the render, see templateFiles.ts). Methods are installed on each Compiler instance.
 */
type CompileFrame = { push(isolate?: boolean): CompileFrame; set(name: string, id: string): void; parent?: unknown };
type Method = (this: NunjucksCompiler, node: TemplateNode, frame: CompileFrame) => void;

const originalCompileSet = nunjucksCompiler.Compiler.prototype.compileSet as Method;
const originalCompileMacro = nunjucksCompiler.Compiler.prototype._compileMacro as (this: NunjucksCompiler, node: TemplateNode, frame?: CompileFrame) => string;

function loopNames(node: TemplateNode): string[] {
  return node.name.typename === 'Array' ? node.name.children.map((child: TemplateNode) => String(child.value)) : [String(node.name.value)];
}

/** Binds the loop variables from `source` (one item) in the runtime and compile-time frames. */
function bindItem(compiler: NunjucksCompiler, names: string[], source: string, frame: CompileFrame): void {
  names.forEach((name, i) => {
    const id = compiler._tmpid();
    const value = names.length === 1 ? source : `runtime.unpack(${source}, ${i}, ${names.length})`;
    compiler._emitLine(`var ${id} = ${value};`);
    compiler._emitLine(`frame.set(${JSON.stringify(name)}, ${id});`);
    frame.set(name, id);
  });
}

/** `function(items) { return items.filter(...) }` for `{% for x in y if cond %}`, or `null`. */
function emitLoopFilter(compiler: NunjucksCompiler, node: TemplateNode, frame: CompileFrame): string {
  if (!node.cond) return 'null';
  const filter = compiler._tmpid();
  const item = compiler._tmpid();
  compiler._emitLine(`var ${filter} = function(${item}) {`);
  compiler._emitLine('frame = frame.push();');
  const scope = frame.push();
  bindItem(compiler, loopNames(node), item, scope);
  const kept = compiler._tmpid();
  compiler._emit(`var ${kept} = runtime.truthy(`);
  compiler._compileExpression(node.cond, scope);
  compiler._emitLine(');');
  compiler._emitLine('frame = frame.pop();');
  compiler._emitLine(`return ${kept};`);
  compiler._emitLine('};');
  return filter;
}

export const statementCompilers: Record<string, Method> = {
  /** Macros also see Jinja2's `varargs` and `kwargs` (the extra arguments runtime.makeMacro set aside). */
  _compileMacro(node, frame) {
    const emitLines = this._emitLines;
    this._emitLines = (...lines: string[]) => {
      this._emitLines = emitLines;
      emitLines.apply(this, lines);
      this._emitLine('frame.set("varargs", runtime.tuple(kwargs.__varargs || [])); frame.set("kwargs", kwargs.__extra || {});');
    };
    return originalCompileMacro.call(this, node, frame) as unknown as void;
  },

  compileFor(node, frame) {
    const names = loopNames(node);
    const items = this._tmpid();
    const render = this._tmpid();
    this._emitLine('frame = frame.push();');
    const outer = frame.push();
    const filter = emitLoopFilter(this, node, outer);
    this._emit(`var ${items} = runtime.loopItems(`);
    this._compileExpression(node.arr, outer);
    this._emitLine(`, ${filter});`);
    // The body is a function of its items so that `loop(children)` can render it again one level deeper.
    const depth = this._tmpid();
    const loop = this._tmpid();
    const index = this._tmpid();
    const list = this._tmpid();
    const output = this._tmpid();
    const buffer = this.buffer;
    this.buffer = output;
    this._emitLine(`var ${render} = function(${list}, ${depth}) {`);
    this._emitLine(`var ${output} = "";`);
    this._emitLine(`var ${loop} = runtime.makeLoop(${list}, ${depth}, ${node.recursive ? `${render}, ${filter}` : 'null, null'});`);
    this._emitLine(`for (var ${index} = 0; ${index} < ${list}.length; ${index}++) {`);
    // Each iteration is a scope: a `{% set %}` in the body does not change the variables outside, as in Jinja2.
    this._emitLine(`frame = frame.push(true); ${loop}.advance(${index});`);
    const body = outer.push();
    bindItem(this, names, `${list}[${index}]`, body);
    this._emitLine(`frame.set("loop", ${loop});`);
    this._withScopedSyntax(() => this.compile(node.body, body));
    this._emitLine('frame = frame.pop();');
    this._emitLine('}');
    this._emitLine(`return ${output};`);
    this._emitLine('};');
    this.buffer = buffer;
    this._emitLine(`if (${items}.length) { ${buffer} += ${render}(${items}, 1); }`);
    if (node.else_) {
      this._emitLine('else {');
      this._withScopedSyntax(() => this.compile(node.else_, outer));
      this._emitLine('}');
    }
    this._emitLine('frame = frame.pop();');
  },

  compileWith(node, frame) {
    const ids = node.values.map((value: TemplateNode) => {
      const id = this._tmpid();
      this._emit(`var ${id} = `);
      this._compileExpression(value, frame);
      this._emitLine(';');
      return id;
    });
    this._emitLine('frame = frame.push(true);');
    const body = frame.push();
    node.targets.forEach((target: TemplateNode, i: number) => {
      this._emitLine(`frame.set(${JSON.stringify(target.value)}, ${ids[i]});`);
      body.set(String(target.value), ids[i]);
    });
    this._withScopedSyntax(() => this.compile(node.body, body));
    this._emitLine('frame = frame.pop();');
  },

  compileSet(node, frame) {
    if (node.targets.length > 1 && node.value) return compileUnpackingSet(this, node, frame);
    if (!node.targets.some((target: TemplateNode) => target.typename === 'LookupVal')) return originalCompileSet.call(this, node, frame);
    if (node.targets.length !== 1 || !node.value) this.fail('only `{% set ns.name = value %}` may assign an attribute', node.lineno, node.colno);
    const target: TemplateNode = node.targets[0];
    this._emit('runtime.setAttribute(');
    this.compile(target.target, frame);
    this._emit(', ');
    this.compile(target.val, frame);
    this._emit(', ');
    this._compileExpression(node.value, frame);
    this._emitLine(');');
  },

  compileUnpackedValue(node) {
    this._emit(`runtime.unpack(${node.source}, ${node.index}, ${node.count})`);
  },

  /** A block renders in place, unless a template extending this one overrides it (see templateFiles.ts). */
  compileBlock(node, frame) {
    const render = this._tmpid();
    const output = this._tmpid();
    const buffer = this.buffer;
    this._emitLine(`var ${render} = function(frame) {`);
    this._emitLine(`var ${output} = "";`);
    this.buffer = output;
    this._withScopedSyntax(() => this.compile(node.body, frame.push()));
    this.buffer = buffer;
    this._emitLine(`return ${output};`);
    this._emitLine('};');
    this._emitLine(`${buffer} += runtime.renderBlock(context, frame, ${JSON.stringify(String(node.name.value))}, ${render});`);
  },

  /** `{{ super() }}` (lifted by nunjucks' transformer to the block's start): the next block in the chain. */
  compileSuper(node, frame) {
    const id = String(node.symbol.value);
    this._emitLine(`var ${id} = runtime.superBlock(frame);`);
    frame.set(id, id);
  },

  compileExtends(node, frame) {
    this._emit('runtime.extendTemplate(context, ');
    this._compileExpression(node.template, frame);
    this._emitLine(');');
  },

  compileInclude(node, frame) {
    this._emit(`${this.buffer} += runtime.includeTemplate(context, frame, `);
    this._compileExpression(node.template, frame);
    this._emitLine(`, ${Boolean(node.ignoreMissing)}, ${node.withContext !== false});`);
  },

  compileImport(node, frame) {
    const id = this._tmpid();
    this._emit(`var ${id} = runtime.importTemplate(context, frame, `);
    this._compileExpression(node.template, frame);
    this._emitLine(`, ${Boolean(node.withContext)});`);
    bindName(this, String(node.target.value), id, frame);
  },

  compileFromImport(node, frame) {
    const module = this._tmpid();
    this._emit(`var ${module} = runtime.importTemplate(context, frame, `);
    this._compileExpression(node.template, frame);
    this._emitLine(`, ${Boolean(node.withContext)});`);
    for (const imported of node.names.children as TemplateNode[]) {
      const [name, alias] = imported.typename === 'Pair' ? [imported.key.value, imported.value.value] : [imported.value, imported.value];
      const id = this._tmpid();
      this._emitLine(`var ${id} = runtime.importedName(${module}, ${JSON.stringify(name)});`);
      bindName(this, String(alias), id, frame);
    }
  },
};

/** `{% set a, b = pair %}`: the value is unpacked into the names, as Python assigns. */
function compileUnpackingSet(compiler: NunjucksCompiler, node: TemplateNode, frame: CompileFrame): void {
  const value = compiler._tmpid();
  compiler._emit(`var ${value} = `);
  compiler._compileExpression(node.value, frame);
  compiler._emitLine(';');
  node.targets.forEach((target: TemplateNode, i: number) => {
    const Set = Object.getPrototypeOf(node).constructor as new (...args: unknown[]) => TemplateNode;
    const single = new Set(node.lineno, node.colno, [target]);
    // A node of our own kind that nunjucks accepts as an expression (it inherits from Literal).
    const unpacked = Object.create(nunjucksNodes.Literal.prototype) as TemplateNode;
    Object.defineProperty(unpacked, 'typename', { value: 'UnpackedValue' });
    single.value = Object.assign(unpacked, { source: value, index: i, count: node.targets.length, lineno: node.lineno, colno: node.colno });
    originalCompileSet.call(compiler, single, frame);
  });
}

/** A name an import defines: in the frame inside blocks and macros, in the context at top level. */
function bindName(compiler: NunjucksCompiler, name: string, id: string, frame: CompileFrame): void {
  frame.set(name, id);
  if (frame.parent) compiler._emitLine(`frame.set(${JSON.stringify(name)}, ${id});`);
  else compiler._emitLine(`context.setVariable(${JSON.stringify(name)}, ${id});`);
}
