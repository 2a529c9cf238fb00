import { PlaytreeError } from './errors.js';

/**
 * Python `re` syntax as playbooks write it, turned into JavaScript RegExps, and Python's replacement
 * templates (`\1`, `\g<name>`) expanded. Shared by the modules (lineinfile, replace, blockinfile) and the
 * templating filters and tests (regex_replace, regex_search, match...).
 * Covered: named groups `(?P<n>...)` / `(?P=n)`, `\A` and `\Z`, leading inline flags `(?i)`, `(?s)`, `(?m)`.
 * Not covered: verbose mode `(?x)`, possessive quantifiers, Unicode-aware `\w` (JavaScript's is ASCII).
 */
export function compilePythonRegex(pattern: string, flags = ''): RegExp {
  let source = pattern;
  const allFlags = new Set(flags);
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    for (const flag of inline[1]!) if ('ims'.includes(flag)) allFlags.add(flag);
  }
  source = source
    .replace(/\(\?P<(\w+)>/g, '(?<$1>')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
    .replace(/(^|[^\\])((?:\\\\)*)\\A/g, '$1$2(?<![\\s\\S])')
    .replace(/(^|[^\\])((?:\\\\)*)\\Z/g, '$1$2(?![\\s\\S])');
  try {
    return new RegExp(source, [...allFlags].join(''));
  } catch (error) {
    throw new PlaytreeError(`invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}; write it in Python's re syntax`);
  }
}

/** What a template needs from a match: numbered groups and named ones. */
export interface RegexMatch {
  [index: number]: string | undefined;
  groups?: Record<string, string | undefined> | undefined;
}

/** Python's match.expand: `\1`, `\g<1>`, `\g<name>`, and `\n` `\t` `\r` `\\` escapes; unmatched groups are ''. */
export function expandPythonTemplate(template: string, match: RegexMatch): string {
  return template.replace(/\\(?:g<(\w+)>|(\d{1,2})|(.))/gs, (all, group: string | undefined, digits: string | undefined, escape: string | undefined) => {
    if (group !== undefined) return (/^\d+$/.test(group) ? match[Number(group)] : match.groups?.[group]) ?? '';
    if (digits !== undefined) return match[Number(digits)] ?? '';
    return ({ n: '\n', t: '\t', r: '\r', '\\': '\\' } as Record<string, string>)[escape!] ?? all;
  });
}

/**
 * Python's re.subn over all of `text`: every match replaced by the expanded template, with the count.
 * JavaScript's global replace visits the same matches (empty ones included) as Python 3.7+.
 */
export function substitutePython(regex: RegExp, template: string, text: string): { text: string; count: number } {
  const global = new RegExp(regex.source, regex.flags.includes('g') ? regex.flags : `${regex.flags}g`);
  let count = 0;
  const replaced = text.replace(global, (...args: unknown[]) => {
    count++;
    const named = typeof args.at(-1) === 'object' ? (args.at(-1) as Record<string, string | undefined>) : undefined;
    const groupCount = args.length - (named ? 3 : 2);
    const match: RegexMatch = { groups: named };
    for (let i = 0; i < groupCount; i++) match[i] = args[i] as string | undefined;
    return expandPythonTemplate(template, match);
  });
  return { text: replaced, count };
}
