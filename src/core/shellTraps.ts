/**
 * Shell text that makes a script's EXIT trap run when the script is stopped by a signal (an interrupted
 * playtree sends SIGTERM to the command and everything it started). A POSIX shell killed by a signal it
 * does not trap runs no EXIT trap, so the temporary file that trap removes would stay behind. PIPE too: a
 * script whose playtree was SIGKILLed dies of SIGPIPE at its first word to stdout or stderr.
 */
export const EXIT_ON_SIGNALS = "trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 141' PIPE; trap 'exit 143' TERM";
