import { cleanupOnExit } from '../src/core/shellTraps.js';

/*
 * The shell side of an ssh connection's command session (sshSession.ts): POSIX sh text that `/bin/sh -s` on
 * the host reads from the session's stdin, followed by one request line per command.
 *
 * A request is `pt_x MARK COMMAND [STDIN]`, each word quoted for the shell, so that the server's own parser
 * only ever sees complete quoted words: a command with a syntax error fails in its own subshell (eval), never
 * in the server. The command runs in a subshell with its stdin from /dev/null or from the request's STDIN
 * word (text, no NUL), its stdout and stderr into two fresh files of a private 0700 folder, with the login's
 * umask (the server's own is 077). Once it has exited, the server writes the files and the exit code to the
 * session's stdout, framed by lines holding a random mark that only the controller knows:
 *
 *   PT<mark>:S \n PT<mark>:P <pid> \n STDOUT BYTES \n PT<mark>:E \n STDERR BYTES \n PT<mark>:R <rc> \n
 *
 * S, said as the request is read, tells a command that was never read from one whose outcome is unknown,
 * when the session ends under it. P is the command's subshell, which an interrupted run stops with all it
 * started: a forked subshell does not carry the command's mark in its environment (/proc/PID/environ is
 * what its process was exec'd with), only the programs it runs do.
 * The files are read through fds opened before the command started, so a command that empties /tmp still
 * gets its output back, and a background job that keeps writing into them never reaches the session's own
 * stdout. A command whose files cannot be made answers `R F` (the controller then runs it the usual way).
 * `cat` runs only for an output that is not empty; the files go in one `rm` every 64 commands.
 */

/** Exported into each command's processes: an interrupted run stops the command by it (ssh.ts RUN_MARK). */
export const SESSION_RUN_MARK = 'PLAYTREE_SSH_COMMAND';

/** The server: `$pt_m` (set first, from the controller) is the frame mark. */
export const SESSION_SERVER_SCRIPT = `pt_u=$(umask)
umask 077
pt_d=$(mktemp -d "\${TMPDIR:-/tmp}/playtree-session.XXXXXXXX") || exit 1
${cleanupOnExit('rm -rf -- "$pt_d"')}
pt_n=0
pt_x() {
  printf 'PT%s:S\\n' "$pt_m"
  pt_n=$((pt_n + 1))
  pt_o=$pt_d/$pt_n.o pt_e=$pt_d/$pt_n.e
  if ! { command exec 3>"$pt_o" 4<"$pt_o" 5>"$pt_e" 6<"$pt_e"; } 2>/dev/null; then
    printf 'PT%s:P -\\n\\nPT%s:E\\n\\nPT%s:R F\\n' "$pt_m" "$pt_m" "$pt_m"
    return
  fi
  if [ "$#" -gt 2 ]; then
    printf %s "$3" | pt_run "$1" "$2" 7>&1 >&3 2>&5 3>&- 4<&- 5>&- 6<&-
  else
    pt_run "$1" "$2" 7>&1 </dev/null >&3 2>&5 3>&- 4<&- 5>&- 6<&-
  fi
  pt_r=$?
  exec 3>&- 5>&-
  ! [ -s /dev/fd/4 ] || cat <&4
  printf '\\nPT%s:E\\n' "$pt_m"
  ! [ -s /dev/fd/6 ] || cat <&6
  exec 4<&- 6<&-
  printf '\\nPT%s:R %s\\n' "$pt_m" "$pt_r"
  if [ "$pt_n" -ge 64 ]; then rm -f -- "$pt_d"/*; pt_n=0; fi
}
pt_run() (
  read -r pt_p pt_r </proc/self/stat || pt_p=-
  printf 'PT%s:P %s\\n' "$pt_m" "$pt_p" >&7
  exec 7>&-
  ${SESSION_RUN_MARK}=$1
  export ${SESSION_RUN_MARK}
  umask "$pt_u"
  unset -v pt_d pt_e pt_m pt_n pt_o pt_p pt_r pt_u
  unset -f pt_x pt_run
  eval "$2"
)
printf 'PT%s:READY\\n' "$pt_m"
`;
