import { TemplateError } from '../core/errors.js';

/**
 * Binds filter/test arguments the way Python does: positionally, then by keyword (nunjucks passes
 * keyword arguments as a trailing object flagged `__keywords`).
 */
export function bindArguments(filter: string, args: unknown[], names: readonly string[]): Record<string, unknown> {
  const bound: Record<string, unknown> = {};
  let positional = args;
  const last = args[args.length - 1];
  if (last !== null && typeof last === 'object' && Object.prototype.hasOwnProperty.call(last, '__keywords')) {
    positional = args.slice(0, -1);
    for (const [key, value] of Object.entries(last as Record<string, unknown>)) {
      if (key === '__keywords') continue;
      if (!names.includes(key)) throw new TemplateError(`${filter}() got an unexpected keyword argument '${key}'`);
      bound[key] = value;
    }
  }
  if (positional.length > names.length) {
    throw new TemplateError(`${filter}() takes at most ${names.length} arguments after the value (${positional.length} given)`);
  }
  positional.forEach((value, i) => {
    bound[names[i]!] = value;
  });
  return bound;
}

/** Positional arguments only, dropping a trailing keyword object (for filters with *args). */
export function positionalArguments(args: unknown[]): { positional: unknown[]; keywords: Record<string, unknown> } {
  const last = args[args.length - 1];
  if (last !== null && typeof last === 'object' && Object.prototype.hasOwnProperty.call(last, '__keywords')) {
    const { __keywords: _flag, ...keywords } = last as Record<string, unknown>;
    return { positional: args.slice(0, -1), keywords };
  }
  return { positional: args, keywords: {} };
}
