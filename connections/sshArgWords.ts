import { ConnectionError } from '../src/core/errors.js';

/*
 * How Ansible's ssh plugin splits ssh_args, ssh_common_args and ssh_extra_args into ssh's argv: Python's
 * shlex.split (POSIX rules, no comments), each word stripped, empty ones dropped. So `$VAR`, `${VAR:-x}`,
 * `$(...)` and a `#` inside a word reach ssh unchanged (a ProxyCommand's own shell expands them there), and
 * inside double quotes a backslash only escapes `"` and `\`. Nothing here is a shell: an unquoted `;`, `|`,
 * `&`, `<`, `>`, `(`, `)`, or a word starting with `#`, would reach ssh as a broken argument, so it is
 * refused with a message instead.
 */

const SPACE = new Set([' ', '\t', '\r', '\n']);
const OPERATORS = new Set([';', '|', '&', '<', '>', '(', ')']);

/** The words of `text` as Ansible gives them to ssh; `what` names the setting in messages. */
export function splitSshArgs(text: string, host: string, what: string): string[] {
  const fail = (message: string) => new ConnectionError(`${host}: ${what} ${message}`, host);
  const words: string[] = [];
  let word: string | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (SPACE.has(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (char === "'" || char === '"') {
      const end = closingQuote(text, index);
      if (end < 0) throw fail(`has no closing quotation (${char}); close it or quote the value differently`);
      const inside = text.slice(index + 1, end);
      word = (word ?? '') + (char === '"' ? inside.replace(/\\(["\\])/g, '$1') : inside);
      index = end;
    } else if (char === '\\') {
      if (index + 1 >= text.length) throw fail('ends with a lone backslash; remove it or escape it (\\\\)');
      word = (word ?? '') + text[++index]!;
    } else if (OPERATORS.has(char) || (char === '#' && word === undefined)) {
      throw fail(`contains the shell operator '${char}'; give plain arguments only (quote it if it is meant literally)`);
    } else {
      word = (word ?? '') + char;
    }
  }
  if (word !== undefined) words.push(word);
  return words.map((entry) => entry.trim()).filter((entry) => entry !== '');
}

/** The index of the quote closing the one at `start` (a `"` may be escaped inside double quotes), or -1. */
function closingQuote(text: string, start: number): number {
  const quote = text[start];
  for (let index = start + 1; index < text.length; index++) {
    if (quote === '"' && text[index] === '\\' && (text[index + 1] === '"' || text[index + 1] === '\\')) index++;
    else if (text[index] === quote) return index;
  }
  return -1;
}
