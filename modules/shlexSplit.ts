import { ModuleError } from '../src/errors.js';

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

/**
 * Python's `shlex.split(text)` (POSIX mode, no comments), which the command module uses to turn its
 * free-form text into argv: quotes group and are removed, a backslash outside quotes takes the next character
 * literally, inside double quotes it escapes only `"` and `\`, inside single quotes nothing.
 */
export function shlexSplit(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
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
      } else if (ch === '\\') throw new ModuleError('No escaped character');
      else word += ch;
    } else if (WHITESPACE.has(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      inWord = true;
      if (ch === "'" || ch === '"') quote = ch;
      else if (ch === '\\') {
        if (i + 1 >= text.length) throw new ModuleError('No escaped character');
        word += text[++i];
      } else word += ch;
    }
  }
  if (quote) throw new ModuleError('No closing quotation');
  if (inWord) words.push(word);
  return words;
}
