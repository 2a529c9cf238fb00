import { createRequire } from 'node:module';

/**
 * nunjucks' parser, compiler and runtime, which its public API and types do not expose. We drive them
 * ourselves so that compiled code calls our Python-semantics runtime and reads variables lazily.
 */
const require = createRequire(import.meta.url);

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
} = require('nunjucks/src/parser.js');

export const nunjucksTransformer: {
  transform(ast: TemplateNode, asyncFilters: string[], name?: string): TemplateNode;
} = require('nunjucks/src/transformer.js');

export const nunjucksCompiler: {
  Compiler: new (name: string, throwOnUndefined: boolean) => NunjucksCompiler;
} = require('nunjucks/src/compiler.js');

export const nunjucksRuntime: Record<string, any> & {
  Frame: new (parent?: unknown, isolateWrites?: boolean) => { lookup(name: string): unknown };
} = require('nunjucks/src/runtime.js');

export const nunjucksFilters: Record<string, (...args: any[]) => unknown> = require('nunjucks/src/filters.js');
