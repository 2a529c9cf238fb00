import { compilePythonRegex } from '../core/pythonRegex.js';

/**
 * Python `re` patterns for the templating filters and tests, compiled once per pattern and flags: the
 * translation itself is src/core/pythonRegex.ts, shared with the modules.
 */
export interface PythonRegexOptions {
  ignorecase?: boolean;
  multiline?: boolean;
  global?: boolean;
  /** Anchor at the start, as re.match does (sticky flag). */
  sticky?: boolean;
}

const cache = new Map<string, RegExp>();

export function pythonRegex(pattern: string, options: PythonRegexOptions = {}): RegExp {
  const flags = `${options.ignorecase ? 'i' : ''}${options.multiline ? 'm' : ''}${options.global ? 'g' : ''}${options.sticky ? 'y' : ''}`;
  const key = `${flags}\u0000${pattern}`;
  let regex = cache.get(key);
  if (!regex) {
    regex = compilePythonRegex(pattern, flags);
    if (cache.size > 1000) cache.clear();
    cache.set(key, regex);
  }
  regex.lastIndex = 0;
  return regex;
}
