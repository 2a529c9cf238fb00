/**
 * Shell text that makes a script's EXIT trap run when the script is stopped by a signal (an interrupted
 * playtree sends SIGTERM to the command and everything it started). A POSIX shell killed by a signal it
 * does not trap runs no EXIT trap, so the temporary file that trap removes would stay behind. PIPE too: a
 * script whose playtree was SIGKILLed dies of SIGPIPE at its first word to stdout or stderr.
 */
export const EXIT_ON_SIGNALS = "trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 141' PIPE; trap 'exit 143' TERM";

/**
 * Shell text that creates `path` (already quoted for the shell) empty and 0600, failing if anything stands
 * at that name (noclobber): a temporary file that will hold content which may be a secret, created by this
 * command and no other. The umask change stays inside the subshell.
 */
export function createPrivateFile(quotedPath: string): string {
  return `(umask 077 && set -C && : > ${quotedPath})`;
}
