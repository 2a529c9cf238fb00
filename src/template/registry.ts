import { TemplateError } from '../core/errors.js';
import type { FilterFunction, TemplateEnvironment, TestFunction } from './renderContext.js';

/** Every filter and test templates can use, by name (filled in by builtins.ts). */
export const filters = new Map<string, FilterFunction>();
export const tests = new Map<string, TestFunction>();

export function getFilter(name: string): FilterFunction {
  const filter = filters.get(name) ?? filters.get(name.replace(/^ansible\.builtin\./, ''));
  if (!filter) throw new TemplateError(`no filter named '${name}'`);
  return filter;
}

export function getTest(name: string): TestFunction {
  const test = tests.get(name) ?? tests.get(name.replace(/^ansible\.builtin\./, ''));
  if (!test) throw new TemplateError(`no test named '${name}'`);
  return test;
}

export const templateEnvironment: TemplateEnvironment = {
  opts: { autoescape: false },
  getFilter,
  getTest,
};

