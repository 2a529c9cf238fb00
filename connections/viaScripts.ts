/*
 * The shell scripts a tree driver sends through its build host's connection (`playtree_via`, see
 * carriedBuildHost.ts). Each is sent as `set -- ARGS` (quoted with shellJoin) followed by the script, so user
 * values are positional parameters, never shell text. They need a POSIX shell, coreutils and util-linux
 * (flock) on the build host, and Linux's /proc: nothing else (no Python, no Node, no playtree). Each run's folder
 * there, and how the next run stops what a SIGKILLed one left: viaRunScripts.ts.
 */

import { OWN_START_TIME, PT_BELOW, requireRootOnly } from './viaRunScripts.js';

/** A wrapper's own failure before the command ran (its pid or output FIFO could not be set up). */
export const WRAPPER_FAILED = 125;

/**
 * $1 folder, $2 command number, $3 `out` (stdout goes to the FIFO FOLDER/N.out, read by the carrier's
 * fetch) or `-`, $4 files of ended commands to remove from the folder (space-separated names the
 * controller made, e.g. `7.pid 7.out`) or `-`, $5 how a next run stops it if this one dies (`group`, or
 * `nspawn`: viaRunScripts.ts), then the argv. The shell writes `PID START HOW` first (FOLDER/N.pid: how
 * STOP_SCRIPT and a next run find the command), then becomes the command (exec: same pid and start time).
 */
export const RUN_SCRIPT = `pt_d=$1 pt_n=$2 pt_o=$3 pt_g=$4 pt_y=$5; shift 5
[ "$pt_g" = - ] || (cd "$pt_d" && set -f && rm -f -- $pt_g)
${OWN_START_TIME}
echo "$$ $pt_s $pt_y" >"$pt_d/$pt_n.pid" || exit ${WRAPPER_FAILED}
if [ "$pt_o" = out ]; then command exec >"$pt_d/$pt_n.out" || exit ${WRAPPER_FAILED}; fi
exec "$@"`;

/** $1 FIFO: made before the command that writes it, so that the carrier's fetch can open it first. */
export const MKFIFO_SCRIPT = 'mkfifo -m 600 -- "$1"';

/**
 * $1 FIFO whose command never opened it: a reader waiting to open it gets a writer and then end-of-file
 * (opening read-write never blocks), a reader still to come finds no file.
 */
export const UNBLOCK_SCRIPT = 'exec 3<>"$1"; rm -f -- "$1"; exec 3>&-';

/**
 * $1 pid file, $2 signal, $3 what to signal: `group` (the process and everything below it), `inside`
 * (what runs below it: a systemd-nspawn's container), `leader` (the process alone). Waits a little for a pid
 * file not yet written (a command stopped right after it was sent).
 */
export const STOP_SCRIPT = `pt_i=0
while [ ! -s "$1" ] && [ $pt_i -lt 20 ]; do sleep 0.1; pt_i=$((pt_i + 1)); done
read -r pt_p pt_x <"$1" 2>/dev/null || exit 0
${PT_BELOW}
case $3 in
  group) kill -s "$2" $pt_p $(pt_below $pt_p) ;;
  inside) kill -s "$2" $(pt_below $pt_p) ;;
  leader) kill -s "$2" $pt_p ;;
esac 2>/dev/null
exit 0`;

/**
 * The tree $1's identity on the build host: `ok DEV:INO` (the root folder, symlinks followed: what the run
 * lock is named after) then the canonical path (`readlink -f`), alone on the rest of the output.
 */
const TREE_IDENTITY = 'pt_i=$(stat -L -c %d:%i -- "$1") && echo "ok $pt_i" && readlink -f -- "$1"';

/** $1 tree: its identity (TREE_IDENTITY), for a tree whose check ran elsewhere. */
export const IDENTIFY_SCRIPT = TREE_IDENTITY;

/**
 * $1 tree, $2 shell in the tree, then programs wanted on PATH. Prints `found NAME PATH` per program, then
 * one verdict: `ok DEV:INO` with the canonical path after it (TREE_IDENTITY), `notroot UID`, `missing NAME`,
 * `nosuchtree`, `notafolder`, `notanos` or `noshell`. The OS marker may be a symlink (absolute ones point
 * into the tree, not at the build host's own files); the shell is proven by running it inside the tree
 * (`chroot TREE SHELL -c :`).
 */
export const CHECK_SCRIPT = `pt_t=$1 pt_s=$2; shift 2
pt_u=$(id -u); [ "$pt_u" = 0 ] || { echo "notroot $pt_u"; exit 0; }
for pt_p; do pt_w=$(command -v "$pt_p") || { echo "missing $pt_p"; exit 0; }; echo "found $pt_p $pt_w"; done
[ -e "$pt_t" ] || { echo nosuchtree; exit 0; }
[ -d "$pt_t" ] || { echo notafolder; exit 0; }
for pt_m in etc/os-release usr/lib/os-release; do
  if [ -e "$pt_t/$pt_m" ] || [ -L "$pt_t/$pt_m" ]; then
    chroot "$pt_t" "$pt_s" -c : </dev/null >/dev/null 2>&1 || { echo noshell; exit 0; }
    set -- "$pt_t"; ${TREE_IDENTITY}; exit 0
  fi
done
echo notanos`;

/**
 * $1 tree: the files systemd-nspawn locks (treeLock.ts) as `F DEV INO PATH` when they exist, then
 * /proc/locks, for the controller to match (nothing for the tree `/`, which nspawn never locks).
 */
export const NSPAWN_LOCK_SCRIPT = `pt_c=$(readlink -f -- "$1") || exit 1
[ "$pt_c" != / ] || exit 0
pt_k=$(stat -L -c %d:%i -- "$pt_c") || exit 1
for pt_f in "\${pt_c%/*}/.#\${pt_c##*/}.lck" "/run/systemd/nspawn/locks/inode-$pt_k"; do
  pt_s=$(stat -L -c '%d %i' -- "$pt_f" 2>/dev/null) && echo "F $pt_s $pt_f"
done
cat /proc/locks`;

/** flock's exit code when the lock is held elsewhere, as in runLock.ts. */
export const LOCK_BUSY = 75;

/**
 * The run lock of runLock.ts, on the build host: $1 tree, $2 seconds to wait, $3 the holder's description
 * (JSON, one line). The lock file is /run/playtree/locks/tree-DEV:INO there; it is opened afresh when the
 * lock was won on a file a releasing run had just removed. Prints `waiting HOLDER` before a wait, then
 * `locked` (and closes stdout) or `busy HOLDER`. Holds the lock until its stdin ends (the run closes the
 * build host, or the connection carrying it dies), removes the lock file while still holding it, and
 * exits; a signal (an interrupted run) does the same.
 */
export const HOLD_SCRIPT = `pt_t=$1 pt_w=$2 pt_a=$3 pt_l=/run/playtree/locks
(umask 077 && mkdir -p "$pt_l") || exit 1
${requireRootOnly(['/run/playtree', '"$pt_l"'])}
pt_k=$(stat -L -c %d:%i -- "$pt_t") || exit 1
pt_f=$pt_l/tree-$pt_k pt_e=$(( $(date +%s) + pt_w )) pt_r=0
while :; do
  [ ! -L "$pt_f" ] || { echo "$pt_f is a symlink; remove it and rerun" >&2; exit 1; }
  exec 3<>"$pt_f"
  if flock -E ${LOCK_BUSY} -w "$pt_r" 3; then
    [ "$(stat -c %d:%i -- "$pt_f" 2>/dev/null)" = "$(stat -L -c %d:%i /proc/$$/fd/3)" ] && break
    continue
  fi
  pt_r=$(( pt_e - $(date +%s) ))
  if [ "$pt_w" -gt 0 ] && [ "$pt_r" -gt 0 ] && [ -z "$pt_s" ]; then pt_s=1; echo "waiting $(head -n 1 "$pt_f")"; continue; fi
  echo "busy $(head -n 1 "$pt_f")"; exit ${LOCK_BUSY}
done
printf '%s\\n' "$pt_a" >"$pt_f"
trap 'rm -f -- "$pt_f"; exit 0' HUP INT TERM
echo locked; exec >/dev/null
cat >/dev/null 3>&-
rm -f -- "$pt_f"`;
