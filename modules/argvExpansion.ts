import { shellQuote } from '../src/core/shellQuote.js';

/**
 * The command module runs its words without a shell, but ansible's run_command first passes each word through
 * Python's `os.path.expandvars` then `os.path.expanduser`: `$NAME` and `${NAME}` take the target's
 * environment value (left as written when unset), a leading `~` or `~user` becomes that home. Everything else
 * (`*`, `|`, `;`, quotes, `$(...)`) stays literal. This builds one shell word that does exactly that
 * expansion on the target, where the environment is. Arguments of type `path` (chdir, creates) are expanded
 * the same way; `quoteLiteral` lets a glob pattern keep `*`, `?` and `[...]` active between the expansions.
 */
export function expandingShellWord(word: string, quoteLiteral: (text: string) => string = shellQuote): string {
  const parts: string[] = [];
  let rest = word;
  const tilde = /^~([A-Za-z0-9._-]*)(?=\/|$)/.exec(rest);
  if (tilde) {
    // unquoted, so the target's shell does the tilde expansion (an unknown user stays `~name`, as in Python)
    parts.push(tilde[0]);
    rest = rest.slice(tilde[0].length);
  }
  // \w in Python's ASCII regex; a name starting with a digit is never an environment variable here
  const variable = /\$(?:([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_])|\{([A-Za-z_][A-Za-z0-9_]*)\})/g;
  let last = 0;
  for (const match of rest.matchAll(variable)) {
    if (match.index > last) parts.push(quoteLiteral(rest.slice(last, match.index)));
    const name = match[1] ?? match[2]!;
    const asWritten = match[1] !== undefined ? `\\$${name}` : `\\\${${name}\\}`;
    parts.push(`"\${${name}-${asWritten}}"`);
    last = match.index + match[0].length;
  }
  if (last < rest.length || parts.length === 0) parts.push(quoteLiteral(rest.slice(last)));
  return parts.join('');
}
