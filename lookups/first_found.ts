import { join } from 'node:path';
import { toBoolean } from '../src/core/boolean.js';
import { isMappingValue, ownLookupError, type LookupContext, type LookupPlugin } from './lookup.js';
import { findFile } from './searchPath.js';

/**
 * `first_found`: the first file that exists among candidates. Terms are names, lists of names, or dicts
 * `{files, paths, skip}` (the same keys may be options); `files` and `paths` may be lists or text split
 * at `,;` (files) and `,:;` (paths). Relative names are searched as the `file` lookup does, in the
 * search path under `files/` (or `templates/`/`vars/` for a `with_first_found` on a template or
 * include_vars task). Nothing found is an error, or no item with `skip: true`.
 */
const OPTIONS = ['files', 'paths', 'skip'];

interface Candidates {
  names: string[];
  skip: boolean;
}

export const firstFoundLookup: LookupPlugin = {
  name: 'first_found',
  run: (terms, options, context) => {
    const given = terms.length === 0 && 'files' in options ? [options] : terms;
    const { names, skip } = candidatesOf(given, options);
    for (const name of names) {
      const rendered = renderName(name, context);
      const path = rendered === undefined ? undefined : findFile(context, context.subdir ?? 'files', rendered);
      if (path !== undefined) return [path];
    }
    if (skip) return [];
    throw ownLookupError('No file was found when using first_found.');
  },
};

/** ansible-core 2.14's _process_terms, including its quirks (a term with `files` replaces earlier names). */
function candidatesOf(terms: unknown[], kwargs: Record<string, unknown>): Candidates {
  let names: string[] = [];
  let skip = false;
  for (const term of terms) {
    let options: Record<string, unknown>;
    if (isMappingValue(term)) options = term;
    else if (typeof term === 'string') options = kwargs;
    else if (Array.isArray(term)) {
      const inner = candidatesOf(term, kwargs);
      names.push(...inner.names);
      skip = inner.skip;
      continue;
    } else throw ownLookupError(`Invalid term supplied, can handle string, mapping or list of strings but got: ${typeof term} for ${String(term)}`);
    const unknown = Object.keys(options).filter((key) => !OPTIONS.includes(key));
    if (unknown.length) throw ownLookupError(`lookup 'first_found': unknown option(s) ${unknown.join(', ')} (it takes files, paths, skip)`);
    skip = toBoolean(options['skip'] ?? false) ?? false;
    const files = splitOn(options['files'] ?? [], ',;');
    const paths = splitOn(options['paths'] ?? [], ',:;');
    if (paths.length) names.push(...paths.flatMap((path) => files.map((file) => join(path, file))));
    else if (files.length) names = files;
    else names.push(term as string);
  }
  return { names, skip };
}

function splitOn(value: unknown, separators: string): string[] {
  if (typeof value === 'string') return value.split(new RegExp(`[${separators}]`));
  if (Array.isArray(value)) return value.flatMap((item) => splitOn(item, separators));
  return [String(value)];
}

/** A name may still be a template (a loop's undefined parts are kept); one that does not render is skipped. */
function renderName(name: string, context: LookupContext): string | undefined {
  try {
    return String(context.render(name));
  } catch {
    return undefined;
  }
}
