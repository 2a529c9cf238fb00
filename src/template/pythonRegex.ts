/**
 * Python `re` patterns as JS RegExp understands them. Covers what playbooks use:
 * named groups `(?P<n>...)`, back-references `(?P=n)`, leading inline flags `(?i)`, `\A`/`\Z`.
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
  const key = `${pattern}\u0000${options.ignorecase}${options.multiline}${options.global}${options.sticky}`;
  const known = cache.get(key);
  if (known) {
    known.lastIndex = 0;
    return known;
  }
  let flags = 'u';
  let source = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    if (inline[1]!.includes('i')) options = { ...options, ignorecase: true };
    if (inline[1]!.includes('m')) options = { ...options, multiline: true };
    if (inline[1]!.includes('s')) flags += 's';
  }
  source = source
    .replace(/\(\?P<(\w+)>/g, '(?<$1>')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$');
  if (options.ignorecase) flags += 'i';
  if (options.multiline) flags += 'm';
  if (options.global) flags += 'g';
  if (options.sticky) flags += 'y';
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags);
  } catch {
    // Python accepts escapes the `u` flag rejects (`\-` outside a class, for instance).
    regex = new RegExp(source, flags.replace('u', ''));
  }
  if (cache.size > 1000) cache.clear();
  cache.set(key, regex);
  return regex;
}
