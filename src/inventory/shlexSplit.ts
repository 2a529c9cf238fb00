/**
 * Python's `shlex.split(line, comments=True)` (POSIX mode), which ansible-core uses for INI host lines:
 * quotes group words and are removed, `\` escapes outside single quotes, `#` starts a comment.
 */

export class ShlexError extends Error {
  constructor(
    message: string,
    /** 0-based index in the line where the problem starts. */
    readonly index: number,
  ) {
    super(message);
  }
}

export function shlexSplit(line: string): string[] {
  const tokens: string[] = [];
  let token: string | undefined;
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (/\s/.test(ch)) {
      if (token !== undefined) tokens.push(token);
      token = undefined;
      i++;
    } else if (ch === '#') {
      break;
    } else if (ch === "'" || ch === '"') {
      const end = readQuoted(line, i);
      token = (token ?? '') + end.text;
      i = end.next;
    } else if (ch === '\\') {
      if (i + 1 >= line.length) throw new ShlexError('No escaped character', i);
      token = (token ?? '') + line[i + 1];
      i += 2;
    } else {
      token = (token ?? '') + ch;
      i++;
    }
  }
  if (token !== undefined) tokens.push(token);
  return tokens;
}

function readQuoted(line: string, start: number): { text: string; next: number } {
  const quote = line[start]!;
  let text = '';
  let i = start + 1;
  while (i < line.length && line[i] !== quote) {
    // inside double quotes a backslash escapes only `"` and `\`; elsewhere it is kept
    if (quote === '"' && line[i] === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
      text += line[i + 1];
      i += 2;
    } else {
      text += line[i];
      i++;
    }
  }
  if (i >= line.length) throw new ShlexError('No closing quotation', start);
  return { text, next: i + 1 };
}
