import { shellQuote } from './shellQuote.js';

/** The signals an interrupted or dead playtree's command may get, and the exit code a shell gives for each. */
const STOP_SIGNALS = [['HUP', 129], ['INT', 130], ['PIPE', 141], ['TERM', 143]] as const;

/**
 * Shell text that runs `cleanup` (shell text; it may run twice) when the script exits, however it exits: at
 * its end, on an error, or stopped by a signal (an interrupted playtree sends SIGTERM to the command and
 * everything it started; a SIGKILLed playtree's command dies of SIGPIPE at its first word to stdout or
 * stderr). A POSIX shell killed by a signal it does not trap runs no EXIT trap. Each signal's trap runs the
 * clean-up itself before it exits, rather than leaving it to the EXIT trap: the same stop may signal a
 * command twice (directly, and through its container's init, or after its input was ended), and a second
 * signal at the start of the EXIT trap ends the shell before the trap's first command runs.
 */
export function cleanupOnExit(cleanup: string): string {
  const onSignal = ([signal, code]: (typeof STOP_SIGNALS)[number]) => `trap ${shellQuote(`${cleanup}; trap - EXIT; exit ${code}`)} ${signal}`;
  return [`trap ${shellQuote(cleanup)} EXIT`, ...STOP_SIGNALS.map(onSignal)].join('; ');
}

/**
 * Shell text that creates `path` (already quoted for the shell) empty and 0600, failing if anything stands
 * at that name (noclobber): a temporary file that will hold content which may be a secret, created by this
 * command and no other. The umask change stays inside the subshell.
 */
export function createPrivateFile(quotedPath: string): string {
  return `(umask 077 && set -C && : > ${quotedPath})`;
}
