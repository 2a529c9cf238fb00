/*
 * Each run's folder on a build host (`playtree_via`) and what the next run does after a SIGKILLed one: the
 * build-host side of viaRunFolder.ts, as staleCommands.ts is the controller's. Sent like viaScripts.ts
 * (`set -- ARGS`, then the script): POSIX sh, coreutils, find and Linux's /proc only.
 *
 * A run's folder is VIA_ROOT/PID.START.TOKEN, made by its lifeline: a long exec through the carrier whose
 * stdin playtree holds open; PID.START names the lifeline's shell (pid and /proc/PID/stat start time, so
 * a reused pid is never mistaken), TOKEN the run. The lifeline ends at end of input: when the run closes the
 * build host, or when playtree dies (its end of the pipe closes, also through an ssh ControlMaster). A
 * folder whose lifeline is gone belongs to a dead run: the commands its pid files name are stopped and it is
 * removed. A live run's folder is never touched.
 */

/** Where the runs' folders are, on every build host; root-only (tmpfs: gone at reboot, as the processes are). */
export const VIA_ROOT = '/run/playtree/via';

/**
 * Fails the script unless each of `paths` (shell words: constants or variables, never user values) is a
 * folder (not a symlink: find does not follow them) owned by root and writable only by it. One find for all.
 */
export function requireRootOnly(paths: readonly string[]): string {
  return `if [ "$(find ${paths.join(' ')} -maxdepth 0 -type d -user 0 ! -perm /022 -printf . 2>/dev/null)" != ${'.'.repeat(paths.length)} ]; then
  echo "${paths.join(' and ')} must be folders owned by root and writable only by it; remove them and rerun" >&2; exit 1
fi`;
}

/** `pt_below PID`: every process below it, each listed before its own children (Linux's /proc children lists). */
export const PT_BELOW = 'pt_below() { for pt_c in $(cat /proc/$1/task/*/children 2>/dev/null); do echo $pt_c; pt_below $pt_c; done; }';

/** Sets pt_s to this shell's start time (field 22 of /proc/$$/stat) without a fork. */
export const OWN_START_TIME = `read -r pt_s </proc/$$/stat; pt_s=\${pt_s##*) }; pt_k() { pt_s=\${20}; }; pt_k $pt_s`;

/**
 * Makes the folder and waits for end of input, deaf to a terminal's ^C or a stop's SIGTERM (playtree, still
 * alive, ends it by ending its input). $1 TOKEN. PREPARE_SCRIPT checks VIA_ROOT and says what is wrong with
 * it; a login that may not write there (not root: see PREPARE) needs no lifeline.
 */
export const LIFELINE_SCRIPT = `${OWN_START_TIME}
(umask 077 && mkdir -p -- "${VIA_ROOT}/$$.$pt_s.$1") 2>/dev/null || exit 0
trap '' HUP INT TERM; exec >/dev/null
cat >/dev/null`;

/**
 * Functions of STALE_STOP: pt_st PID prints the start time of a live process (nothing for one gone or a
 * zombie); pt_below PID what runs below it; pt_live PID:START... those still running; pt_intree
 * PID:START... what runs in their trees (a chroot'ed command and below it; only below a systemd-nspawn,
 * listed in pt_ns: its container); pt_wait TENTHS LIST waits until none of LIST runs.
 */
const STALE_FUNCTIONS = `pt_st() { case $1 in ''|*[!0-9]*) return 1 ;; esac; pt_l=; read -r pt_l 2>/dev/null <"/proc/$1/stat"
  pt_l=\${pt_l##*) }; set -- $pt_l; [ $# -ge 20 ] && [ "$1" != Z ] && echo "\${20}"; }
${PT_BELOW}
pt_live() { for pt_e; do [ "$(pt_st \${pt_e%%:*})" = "\${pt_e#*:}" ] && echo $pt_e; done; }
pt_intree() { for pt_e; do case " $pt_ns " in *" $pt_e "*) ;; *) echo \${pt_e%%:*} ;; esac; pt_below \${pt_e%%:*}; done; }
pt_pids() { for pt_e; do echo \${pt_e%%:*}; done; }
pt_wait() { pt_i=0; while [ -n "$(pt_live $2)" ] && [ $pt_i -lt $1 ]; do sleep 0.1; pt_i=$((pt_i + 1)); done; }`;

/**
 * $2 grace in tenths of a second, $3 how long a systemd-nspawn may take to stop, in tenths. Stops what dead
 * runs left, as staleCommands.ts does on the controller: SIGTERM to what runs in the tree (a transfer's trap
 * removes its temporary file), SIGKILL after the grace; then SIGTERM to a per-command systemd-nspawn (it
 * unmounts and releases the tree's lock), SIGKILL if late; then removes the dead runs' folders.
 */
const STALE_STOP = `${STALE_FUNCTIONS}
pt_dead= pt_all= pt_ns=
for pt_f in ${VIA_ROOT}/*; do
  pt_n=\${pt_f##*/}; pt_o=\${pt_n#*.}
  case $pt_n in *[!0-9a-f.]*|.*) continue ;; esac
  [ -d "$pt_f" ] && [ ! -L "$pt_f" ] || continue
  [ "$(pt_st \${pt_n%%.*})" = "\${pt_o%%.*}" ] && continue
  pt_dead="$pt_dead $pt_f"
  for pt_p in "$pt_f"/*.pid; do
    pt_c= pt_s= pt_y=; read -r pt_c pt_s pt_y 2>/dev/null <"$pt_p"
    case $pt_c.$pt_s in .*|*.|*[!0-9.]*) continue ;; esac
    pt_all="$pt_all $pt_c:$pt_s"; [ "$pt_y" != nspawn ] || pt_ns="$pt_ns $pt_c:$pt_s"
  done
done
pt_all=$(pt_live $pt_all)
if [ -n "$pt_all" ]; then
  kill -s TERM $(pt_intree $pt_all) 2>/dev/null
  pt_wait "$2" "$pt_all"
  pt_left=$(pt_live $pt_all); [ -z "$pt_left" ] || kill -s KILL $(pt_intree $pt_left) 2>/dev/null
  pt_left=$(pt_live $pt_ns)
  if [ -n "$pt_left" ]; then
    kill -s TERM $(pt_pids $pt_left) 2>/dev/null; pt_wait "$3" "$pt_left"
    pt_left=$(pt_live $pt_left); [ -z "$pt_left" ] || kill -s KILL $(pt_pids $pt_left) 2>/dev/null
  fi
  pt_wait "$3" "$pt_all"
fi
[ -z "$pt_dead" ] || rm -rf -- $pt_dead`;

/**
 * Once per build host and run, before its first command there: $1 TOKEN (the lifeline's), then STALE_STOP's
 * arguments. Stops what dead runs left, then prints this run's folder (made by its lifeline), the user's uid,
 * whether systemd-nspawn can reach a system bus there (as busProbe.ts decides locally), and the kernel's boot
 * id (`-` when unknown: with a tree's DEV:INO it tells one tree reached by two ways in a run). A non-root login
 * (whose chroot or nspawn the tree checks refuse next) gets a private folder in TMPDIR instead.
 */
export const PREPARE_SCRIPT = `pt_u=$(id -u)
if [ "$pt_u" = 0 ]; then
  [ -d ${VIA_ROOT} ] || (umask 077 && mkdir -p ${VIA_ROOT}) || exit 1
  ${requireRootOnly(['/run/playtree', VIA_ROOT])}
  ${STALE_STOP}
  pt_i=0
  while :; do
    for d in ${VIA_ROOT}/*."$1"; do [ -d "$d" ] && break 2; done
    [ $pt_i -lt 1000 ] || { echo "this run's folder did not appear in ${VIA_ROOT}" >&2; exit 1; }
    sleep 0.01; pt_i=$((pt_i + 1))
  done
else
  d=$(umask 077 && mktemp -d "\${TMPDIR:-/tmp}/playtree-via.XXXXXXXX") || exit 1
fi
echo "$d"; echo "$pt_u"
if [ -d /run/systemd/system ] && [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && [ -S /run/dbus/system_bus_socket ]; then echo bus; else echo nobus; fi
cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo -`;
