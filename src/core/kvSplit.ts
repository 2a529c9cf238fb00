/**
 * Ansible's `k=v` argument text, ported from ansible-core's parsing/splitter.py (split_args, parse_kv,
 * join_args) so that `copy: src=a dest='b c'` and `command: chdir=/tmp ls "a b"` split exactly as Ansible
 * splits them: quotes are kept on the words (the command module's shlex split removes them later), `{{ }}`,
 * `{% %}` and `{# #}` blocks stay one word, newlines and runs of spaces inside the free-form part survive.
 */

/** The argument names `command`/`shell`/`raw`/`script` take out of their free-form text (splitter.py's list). */
export const FREE_FORM_OPTION_NAMES: ReadonlySet<string> = new Set([
  'creates',
  'removes',
  'chdir',
  'executable',
  'warn',
  'stdin',
  'stdin_add_newline',
  'strip_empty_ends',
]);

/** Thrown for unbalanced quotes or Jinja2 blocks; the caller adds the task position. */
export class ArgumentSplitError extends Error {}

/**
 * Split on spaces and newlines, rejoining words that a split cut inside quotes or a Jinja2 block.
 * Python's split_args, line for line, because its quirks (a trailing `\` continues a line, doubled spaces are
 * kept inside the word before them) are what users' playbooks were written against.
 */
export function splitArgs(text: string): string[] {
  const params: string[] = [];
  const lines = text.split('\n');
  let quoteChar: string | null = null;
  let insideQuotes = false;
  let printDepth = 0;
  let blockDepth = 0;
  let commentDepth = 0;
  const appendToLast = (suffix: string) => {
    // Python raises IndexError here (text opening with two spaces); Ansible reports it this way
    if (params.length === 0) throw new ArgumentSplitError('Unable to parse argument string');
    params[params.length - 1] += suffix;
  };

  lines.forEach((line, lineIndex) => {
    const tokens = line.split(' ');
    let lineContinuation = false;
    tokens.forEach((token, index) => {
      if (token.length === 0 && index !== 0) {
        appendToLast(' ');
        return;
      }
      if (token === '\\' && !insideQuotes) {
        lineContinuation = true;
        return;
      }
      const wasInsideQuotes = insideQuotes;
      quoteChar = quoteState(token, quoteChar);
      insideQuotes = quoteChar !== null;
      let appended = false;
      const inBlock = printDepth || blockDepth || commentDepth;
      if (insideQuotes && !wasInsideQuotes && !inBlock) {
        params.push(token);
        appended = true;
      } else if (inBlock || insideQuotes || wasInsideQuotes) {
        if (index === 0 && wasInsideQuotes) appendToLast(token);
        else if (tokens.length > 1) appendToLast((index > 0 ? ' ' : '') + token);
        else appendToLast('\n' + token);
        appended = true;
      }
      for (const [open, close, which] of [['{{', '}}', 'print'], ['{%', '%}', 'block'], ['{#', '#}', 'comment']] as const) {
        const before = which === 'print' ? printDepth : which === 'block' ? blockDepth : commentDepth;
        const after = countBlocks(token, before, open, close);
        if (which === 'print') printDepth = after;
        else if (which === 'block') blockDepth = after;
        else commentDepth = after;
        if (after !== before && !appended) {
          params.push(token);
          appended = true;
        }
      }
      if (!(printDepth || blockDepth || commentDepth) && !insideQuotes && !appended && token !== '') {
        params.push(token);
      }
    });
    if (lines.length > 1 && lineIndex !== lines.length - 1 && !lineContinuation) appendToLast('\n');
  });

  if (printDepth || blockDepth || commentDepth || insideQuotes) {
    throw new ArgumentSplitError(`failed at splitting arguments, either an unbalanced jinja2 block or quotes: ${text}`);
  }
  return params;
}

/** The quote still open after `token`, given the one open before it (a backslash escapes a quote). */
function quoteState(token: string, quoteChar: string | null): string | null {
  for (let i = 0; i < token.length; i++) {
    const ch = token[i]!;
    const previous = i > 0 ? token[i - 1] : undefined;
    if ((ch === '"' || ch === "'") && previous !== '\\') {
      if (quoteChar) {
        if (ch === quoteChar) quoteChar = null;
      } else {
        quoteChar = ch;
      }
    }
  }
  return quoteChar;
}

function countBlocks(token: string, depth: number, open: string, close: string): number {
  const opens = token.split(open).length - 1;
  const closes = token.split(close).length - 1;
  if (opens === closes) return depth;
  return Math.max(0, depth + opens - closes);
}

/** Rejoin words with one space, except after a word that ends a line. */
export function joinArgs(words: readonly string[]): string {
  let result = '';
  for (const word of words) result += result.length === 0 || result.endsWith('\n') ? word : ' ' + word;
  return result;
}

const SINGLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Python's `\n`, `\t`, `\xHH`, `\uHHHH`, `\UHHHHHHHH` escapes, decoded the way parse_kv does before splitting at `=`. */
export function decodeEscapes(text: string): string {
  return text.replace(/\\U[0-9a-fA-F]{8}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\[\\'"abfnrtv]/g, (escape) => {
    if (escape.length > 2) return String.fromCodePoint(parseInt(escape.slice(2), 16));
    return SINGLE_ESCAPES[escape[1]!]!;
  });
}

/** Ansible's unquote: drop one pair of matching outer quotes unless the closing one is escaped. */
export function unquote(text: string): string {
  const quoted = text.length > 1 && text[0] === text.at(-1) && (text[0] === '"' || text[0] === "'") && text.at(-2) !== '\\';
  return quoted ? text.slice(1, -1) : text;
}

/**
 * parse_kv: `k=v` words become entries (key trimmed, value trimmed and unquoted), other words are joined into
 * `_raw_params`. With `checkRaw` (free-form modules), only FREE_FORM_OPTION_NAMES are taken as options and
 * every other `k=v` word stays part of the command, with its original escapes.
 */
export function parseKv(text: string, checkRaw = false): Record<string, string> {
  const options: Record<string, string> = {};
  const rawParams: string[] = [];
  for (const original of splitArgs(text)) {
    const word = decodeEscapes(original);
    const equals = unescapedEqualsIndex(word);
    if (equals === undefined) {
      rawParams.push(original);
    } else if (equals < 0) {
      // only escaped `\=` signs: the word is free-form text with the escapes removed
      rawParams.push(word.replaceAll('\\=', '='));
    } else {
      const key = word.slice(0, equals);
      if (checkRaw && !FREE_FORM_OPTION_NAMES.has(key)) rawParams.push(original);
      else options[key.trim()] = unquote(word.slice(equals + 1).trim());
    }
  }
  if (rawParams.length > 0) options['_raw_params'] = joinArgs(rawParams);
  return options;
}

/**
 * Index of the first `=` after the first character that is not preceded by a backslash; undefined when the
 * word has no `=` at all, -1 when every `=` after the first character is escaped (as parse_kv, which never
 * splits at index 0).
 */
function unescapedEqualsIndex(word: string): number | undefined {
  if (!word.includes('=')) return undefined;
  for (let i = 1; i < word.length; i++) {
    if (word[i] === '=' && word[i - 1] !== '\\') return i;
  }
  return -1;
}

/**
 * Split Ansible's `k=v` text (`src=a dest='b c' mode=0644`) into pairs, as ansible's parse_kv does (quotes
 * removed from values, `\n`-style escapes decoded). Words without `=` are returned joined in `rest`, with
 * their original quoting. For a task's arguments use `argsFromFreeForm`, which also knows free-form modules.
 */
export function parseKeyValue(text: string): { pairs: Record<string, string>; rest: string } {
  const { _raw_params: rest = '', ...pairs } = parseKv(text);
  return { pairs, rest };
}
