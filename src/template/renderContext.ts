import type { CompiledTemplate } from './compiler.js';

/*
 * What a render carries (variables, `{% set %}` locals, blocks, the file loader) and the shapes of the
 * filters and tests called with it: below the filter registry (registry.ts) and the runtime (runtime.ts).
 */

/** What a render needs: variable lookup plus `{% set %}` locals. Filters are called with it as `this`. */
export class RenderContext {
  private locals: Record<string, unknown> | undefined;
  private exported: Set<string> | undefined;
  /** Set by `{% extends %}`: the template rendered once this one has registered its blocks. */
  parentTemplate: LoadedTemplate | undefined;
  /** Block bodies by name, the most derived template's first (`super()` calls the next). */
  readonly blocks = new Map<string, BlockRender[]>();

  constructor(
    readonly lookupVariable: (name: string) => unknown,
    /** Finds the templates `{% include %}` and `{% import %}` name (template files only). */
    readonly loader?: TemplateLoader,
  ) {}

  lookup(name: string): unknown {
    if (this.locals && name in this.locals) return this.locals[name];
    return this.lookupVariable(name);
  }

  setVariable(name: string, value: unknown): void {
    (this.locals ??= {})[name] = value;
  }

  getVariables(): Record<string, unknown> {
    return this.locals ?? {};
  }

  /** Top-level macros and `{% set %}` names (not starting with `_`): what `{% import %}` hands over. */
  addExport(name: string): void {
    (this.exported ??= new Set()).add(name);
  }

  exports(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const name of this.exported ?? []) out[name] = this.locals?.[name];
    return out;
  }
}

export type BlockRender = (frame: { push(): { set(name: string, value: unknown): void } }) => string;

/** A template file found by a loader, compiled. */
export interface LoadedTemplate {
  template: CompiledTemplate;
  path: string;
}

export interface TemplateLoader {
  /** The template `name` found in the search path, or undefined. */
  load(name: string): LoadedTemplate | undefined;
  /** Where `name` was looked for (for the error message). */
  describe(name: string): string;
}

export type FilterFunction = (this: RenderContext, value: unknown, ...args: unknown[]) => unknown;
export type TestFunction = (this: RenderContext, value: unknown, ...args: unknown[]) => boolean;

/** The `env` object compiled code talks to. */
export interface TemplateEnvironment {
  opts: { autoescape: boolean };
  getFilter(name: string): FilterFunction;
  getTest(name: string): TestFunction;
}
