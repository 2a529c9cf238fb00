import { LEADER_READY } from './nspawnArgv.js';
import { PT_BELOW } from './viaRunScripts.js';
import { WRAPPER_FAILED } from './viaScripts.js';

/*
 * The build-host side of a persistent nspawn container on a tree reached through `playtree_via`
 * (carriedContainer.ts): shell scripts sent with the carrier's exec, as viaScripts.ts's are (`set -- ARGS`
 * then the script). The container's command server is the local one (SHELL_SERVER_SCRIPT's `Y` request);
 * what playtree does from the controller locally (open the command's FIFOs, write its script) a wrapper does
 * on the build host, one carrier exec per command.
 *
 * A container's files live in a folder of the build host's private temporary folder (IO folder), bound
 * read-only into the container at IO_DIR: the commands' scripts and FIFOs (N.sh, N.in, N.out, N.err, N.rc),
 * the wrapper's pid (N.pid), the leader's stdout (lead), systemd-nspawn's pid. Read-only inside, so nothing
 * in the container can replace them with links the build host would follow.
 */

/** Where the container sees its IO folder (read-only). */
export const IO_DIR = '/run/playtree-io';

/** The start of a wrapper's own failure on stderr (the command never ran): `playtree-via: REASON`. */
export const WRAPPER_MARK = 'playtree-via:';

/** $1 IO folder, then FIFO names: made when missing (a fetch's FIFO whose batch a failed wrapper did not make). */
export const MKFIFOS_SCRIPT = 'cd -- "$1" && shift && mkfifo -m 600 -- "$@" 2>/dev/null; exit 0';

/** `pt_alive PID`: the process runs (a zombie does not count). */
const ALIVE = `pt_alive() { read -r pt_x 2>/dev/null <"/proc/$1/stat" || return 1; case \${pt_x##*) } in Z*|X*) return 1 ;; esac; }`;

/**
 * $1 IO folder (made here), $2 FIFO read by the controller's fetch (made before), $3 FIFO names to make in
 * the IO folder (the first commands'), then systemd-nspawn's argv (running LEADER_SCRIPT). systemd-nspawn gets
 * this exec's stdin: the leader's lifeline (`stop`, or EOF when playtree died). Once the leader says it is
 * ready, writes `ready NSPAWN LEADER SHELL HOLDER` into $2 (host pids: systemd-nspawn, the container's PID
 * 1, the leader's shell, this shell), then holds the command server's request FIFO open (fd 7: the wrappers
 * write to /proc/HOLDER/fd/7) until the container has stopped. Ignores the signals of an interrupted carrier
 * (the leader's lifeline ends then, and the container stops on its own); says `gone` once systemd-nspawn has
 * exited, and ends the wait of a wrapper whose command the container's end cut short (`E - 137`).
 */
export const START_SCRIPT = `pt_o=$1 pt_y=$2 pt_b=$3; shift 3
${ALIVE}
(umask 077 && mkdir -- "$pt_o" && cd "$pt_o" && set -f && mkfifo -m 600 -- lead $pt_b) || exit ${WRAPPER_FAILED}
trap : HUP INT TERM
exec 3<&0
"$@" <&3 >"$pt_o/lead" 3<&- &
pt_n=$!; echo $pt_n >"$pt_o/nspawn.pid"
exec 3<&- 4<"$pt_o/lead" </dev/null
pt_l=; IFS= read -r pt_l <&4
if [ "$pt_l" != ${LEADER_READY} ]; then
  while pt_alive $pt_n; do wait $pt_n; done; exit 1
fi
pt_l=
for pt_c in $(cat /proc/$pt_n/task/*/children); do
  while read -r pt_k pt_v; do [ "$pt_k" = NSpid: ] && break; done <"/proc/$pt_c/status"
  case $pt_v in *[!0-9]1) pt_l=$pt_c; break ;; esac
done
pt_s=$(cat /proc/$pt_l/task/*/children 2>/dev/null); pt_s=\${pt_s%% *}
if [ -z "$pt_l" ] || [ -z "$pt_s" ] || ! exec 7<>"/proc/$pt_l/root/run/playtree/requests"; then
  echo "cannot find the container's processes under systemd-nspawn (pid $pt_n)" >&2; exit 1
fi
echo "ready $pt_n $pt_l $pt_s $$" >"$pt_y"
while IFS= read -r pt_l <&4; do :; done
while pt_alive $pt_n; do wait $pt_n; done
for pt_f in "$pt_o"/*.rc; do [ -p "$pt_f" ] && echo "E - 137" 1<>"$pt_f"; done
echo gone`;

/**
 * One command: $1 IO folder, $2 request FIFO (/proc/HOLDER/fd/7), $3 command number N, $4 `in` (this exec's
 * stdin is the command's) or `-`, $5 `out` (the command's stdout comes back as this exec's) or `-` (the
 * controller reads N.out itself, a stream), $6 FIFO names to make first or `-`, $7 names of ended commands'
 * files to remove or `-`, $8 the command's script. Asks the command server to run N.sh with N's FIFOs (`Y`),
 * relays stdin, stdout and stderr with cat, and exits with the command's exit code. A command's background
 * job may keep its output open: a relay seen waiting for input for a second after the command ended is
 * stopped (as treeProcess.ts stops reading). WRAPPER_FAILED: the command never ran.
 * The wrapper records its own pid from /proc/self/stat, not `$$`: through an ssh command session it runs
 * in a subshell, whose `$$` is the session's shell.
 * The relays ignore SIGTERM (the wrapper ends them with SIGKILL): an interrupted carrier SIGTERMs its exec
 * at once, while the command in the container gets SIGTERM and a grace for its traps. A relay gone then
 * would leave the command's stdout or stderr FIFO without a reader, and the command's next write (dash's
 * own `Terminated` when a second SIGTERM ends the trap's `sleep`) would kill it by SIGPIPE in the middle of
 * its trap. A relay left alone ends when the command's output does (with the container at the latest).
 */
export const EXEC_SCRIPT = `pt_d=$1 pt_q=$2 pt_n=$3 pt_i=$4 pt_s=$5
${ALIVE}
pt_fail() { echo "${WRAPPER_MARK} $1" >&2; exit ${WRAPPER_FAILED}; }
cd -- "$pt_d" 2>/dev/null || pt_fail "the container's folder $pt_d is gone (the container stopped)"
set -f
if [ "$6" != - ]; then mkfifo -m 600 -- $6 2>/dev/null; fi
if [ "$7" != - ]; then rm -f -- $7; fi
set +f
[ -p "$pt_n.rc" ] || pt_fail "the command's FIFOs are missing in $pt_d"
read -r pt_me pt_z </proc/self/stat && echo $pt_me >"$pt_n.pid" && printf '%s\\n' "$8" >"$pt_n.sh" || pt_fail "could not write the command's script in $pt_d"
exec 6<>"$pt_n.rc" 5<&0 </dev/null
pt_w=${IO_DIR}/$pt_n.in; [ "$pt_i" = in ] || pt_w=-
echo "Y $pt_n $pt_w ${IO_DIR}/$pt_n.out ${IO_DIR}/$pt_n.err ${IO_DIR}/$pt_n.sh ${IO_DIR}/$pt_n.rc" 2>/dev/null >>"$pt_q" ||
  pt_fail "the container's command server is gone (the container stopped)"
pt_a= pt_o=
if [ "$pt_i" = in ]; then (trap '' TERM; exec cat <&5 >"$pt_n.in" 5<&-) & pt_a=$!; fi
exec 5<&-
(trap '' TERM; exec cat <"$pt_n.err" >&2) & pt_e=$!
if [ "$pt_s" = out ]; then (trap '' TERM; exec cat <"$pt_n.out") & pt_o=$!; fi
pt_x=; read -r pt_x pt_y pt_r <&6
if [ "$pt_x" = R ]; then pt_x=; read -r pt_x pt_y pt_r <&6; pt_y=ran; fi
if [ "$pt_y" != ran ] || [ "$pt_x" != E ]; then
  kill -s KILL $pt_a $pt_e $pt_o 2>/dev/null
  [ "$pt_s" = out ] || { exec 8<>"$pt_n.out"; exec 8>&-; }
  [ "$pt_y" != - ] || pt_fail "the command did not start (the container stopped)"
  pt_fail "the container's shell could not open the command's pipes (exit $pt_r)"
fi
[ -z "$pt_a" ] || kill -s KILL $pt_a 2>/dev/null
pt_k=0 pt_z=0
while :; do
  pt_l= pt_w=1
  for pt_p in $pt_o $pt_e; do
    pt_alive $pt_p || continue
    pt_l=1; read -r pt_x 2>/dev/null <"/proc/$pt_p/wchan"
    case $pt_x in *pipe_read*|pipe_wait) ;; *) pt_w= ;; esac
  done
  [ -n "$pt_l" ] || break
  pt_k=$((pt_k + 1)); [ $pt_k -gt 100 ] || continue
  if [ -n "$pt_w" ]; then pt_z=$((pt_z + 1)); else pt_z=0; fi
  [ $pt_z -lt 20 ] || { kill -s KILL $pt_o $pt_e 2>/dev/null; break; }
  sleep 0.05
done
wait
exit \${pt_r:-${WRAPPER_FAILED}}`;

/**
 * $1 the leader's shell (host pid), $2 signal, $3 pid file of a command's wrapper or `-`: signal what runs
 * below the command server (the command and all it started), and the wrapper with its relays if given.
 */
export const SIGNAL_SCRIPT = `${PT_BELOW}
for pt_v in $(cat /proc/$1/task/*/children 2>/dev/null); do kill -s "$2" $(pt_below $pt_v) 2>/dev/null; done
if [ "$3" != - ] && read -r pt_p <"$3"; then kill -s "$2" $pt_p $(pt_below $pt_p) 2>/dev/null; fi
exit 0`;

/**
 * $1 IO folder: wait for systemd-nspawn (its pid in the folder) to exit, up to 10 s, then SIGTERM it, then
 * SIGKILL. For a container whose holder (START_SCRIPT) did not see it go: killed with its carrier's exec.
 */
export const NSPAWN_GONE_SCRIPT = `${ALIVE}
read -r pt_n 2>/dev/null <"$1/nspawn.pid" || exit 0
for pt_s in - TERM KILL; do
  [ $pt_s = - ] || kill -s $pt_s $pt_n 2>/dev/null
  pt_i=0; while pt_alive $pt_n && [ $pt_i -lt 100 ]; do sleep 0.1; pt_i=$((pt_i + 1)); done
  pt_alive $pt_n || exit 0
done
exit 1`;
