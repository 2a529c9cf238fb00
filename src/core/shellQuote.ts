import { quote } from 'shell-quote';

/**
 * The one quoting helper: every shell command playtree builds goes through here, from an argv array,
 * so that user values (paths with spaces, quotes, `$`, newlines, a leading dash) stay single words.
 */
export function shellJoin(argv: readonly string[]): string {
  return quote(argv as string[]);
}

export function shellQuote(word: string): string {
  return quote([word]);
}

/**
 * Shell text running `script` with `args` as $1, $2... in the command's own shell: what `sh -c SCRIPT NAME ARGS...`
 * does, without starting another sh (a program inside the target). Only as a whole command: nothing may follow
 * it, since the script's `exit` or `set -e` is the command's own.
 */
export function scriptWithArgs(script: string, args: readonly string[] = []): string {
  return `set -- ${shellJoin(args)}\n${script}`;
}
