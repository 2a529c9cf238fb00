import { quote } from 'shell-quote';

/**
 * The one quoting helper: every shell command playtree builds goes through here, from an argv array,
 * so that user values (paths with spaces, quotes, `$`, newlines, a leading dash) stay single words.
 */
export function shellJoin(argv: readonly string[]): string {
  let joined = '';
  for (let index = 0; index < argv.length; index++) joined += (index === 0 ? '' : ' ') + shellQuote(argv[index]!);
  return joined;
}

/**
 * Words of these characters only are left as they are by shell-quote (nothing in them is special to the
 * shell): most paths, modes and option words, which then skip its five regular expressions.
 */
const PLAIN_WORD = /^[\w/.%+-]+$/;

export function shellQuote(word: string): string {
  return typeof word === 'string' && PLAIN_WORD.test(word) ? word : quote([word]);
}

/**
 * Shell text running `script` with `args` as $1, $2... in the command's own shell: what `sh -c SCRIPT NAME ARGS...`
 * does, without starting another sh (a program inside the target). Only as a whole command: nothing may follow
 * it, since the script's `exit` or `set -e` is the command's own.
 */
export function scriptWithArgs(script: string, args: readonly string[] = []): string {
  return `set -- ${shellJoin(args)}\n${script}`;
}
