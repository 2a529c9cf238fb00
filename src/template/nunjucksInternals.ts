import compilerModule from 'nunjucks/src/compiler.js';
import filtersModule from 'nunjucks/src/filters.js';
import parserModule from 'nunjucks/src/parser.js';
import runtimeModule from 'nunjucks/src/runtime.js';
import transformerModule from 'nunjucks/src/transformer.js';

/**
 * nunjucks' parser, compiler and runtime, which its public API and types do not expose. We drive them
 * ourselves so that compiled code calls our Python-semantics runtime and reads variables lazily.
 * (Imported, not require()d, so that a bundle of playtree carries them: see nunjucksModules.d.ts.)
 */

export interface TemplateNode {
  typename: string;
  lineno: number;
  colno: number;
  children: TemplateNode[];
  [field: string]: any;
}

export interface NunjucksCompiler {
  compile(node: TemplateNode, frame?: unknown): void;
  getCode(): string;
  _emit(code: string): void;
  _emitLine(code: string): void;
  _compileExpression(node: TemplateNode, frame: unknown): void;
  _withScopedSyntax(fn: () => void): void;
  [method: string]: any;
}

export const nunjucksParser: {
  parse(source: string, extensions: unknown[], options: Record<string, unknown>): TemplateNode;
} = parserModule;

export const nunjucksTransformer: {
  transform(ast: TemplateNode, asyncFilters: string[], name?: string): TemplateNode;
} = transformerModule;

export const nunjucksCompiler: {
  Compiler: new (name: string, throwOnUndefined: boolean) => NunjucksCompiler;
} = compilerModule;

export const nunjucksRuntime: Record<string, any> & {
  Frame: new (parent?: unknown, isolateWrites?: boolean) => { lookup(name: string): unknown };
} = runtimeModule;

export const nunjucksFilters: Record<string, (...args: any[]) => unknown> = filtersModule;
