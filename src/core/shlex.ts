import { PlaytreeError } from './errors.js';

/** A quoting mistake in text split by `shlexSplit`; `index` is where it starts (0-based). */
export class ShlexError extends PlaytreeError {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

/**
 * Python's `shlex.split(text, comments=...)` in POSIX mode, which ansible-core uses for INI host lines
 * (with comments) and for the command module's free form (without): quotes group and are removed, a
 * backslash outside quotes takes the next character literally, inside double quotes it escapes only `"`
 * and `\`, inside single quotes nothing; with `comments`, an unquoted `#` ends the text.
 */
export function shlexSplit(text: string, options: { comments?: boolean } = {}): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  let quoteStart = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < text.length) {
        const next = text[++i]!;
        word += next === '"' || next === '\\' ? next : '\\' + next;
      } else word += ch;
    } else if (WHITESPACE.has(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (ch === '#' && options.comments) {
      break;
    } else {
      inWord = true;
      if (ch === "'" || ch === '"') {
        quote = ch;
        quoteStart = i;
      } else if (ch === '\\') {
        if (i + 1 >= text.length) throw new ShlexError('No escaped character', i);
        word += text[++i];
      } else word += ch;
    }
  }
  if (quote) throw new ShlexError('No closing quotation', quoteStart);
  if (inWord) words.push(word);
  return words;
}
