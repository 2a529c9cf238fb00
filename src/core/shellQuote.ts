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
