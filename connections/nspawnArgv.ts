import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { ConnectionError } from '../src/core/errors.js';
import type { ConnectionOptions } from './connection.js';
import { pickOption } from './connectionSettings.js';
import { resolveTreeSettings, splitShellWords, type TreeSettings } from './treeOptions.js';

/*
 * The nspawn driver's options and every argv it runs, as pure data: systemd-nspawn for a command (per-command
 * mode) or for the leader of a persistent container, and the `nsenter` that enters that container.
 */

/** Everything the nspawn driver decides before running anything: pure data, built once per host. */
export interface NspawnSettings extends TreeSettings {
  /** Extra systemd-nspawn arguments from `ansible_nspawn_args` / `ANSIBLE_NSPAWN_ARGS` / `[nspawn_connection]`. */
  extraArgs: string[];
}

export function resolveNspawnSettings(options: ConnectionOptions, env: NodeJS.ProcessEnv): NspawnSettings {
  const text = pickOption(options, env, {
    variable: 'ansible_nspawn_args',
    environment: 'ANSIBLE_NSPAWN_ARGS',
    section: 'nspawn_connection',
    key: 'nspawn_args',
  });
  const extraArgs = text === undefined ? [] : splitShellWords(text, options.host, 'ansible_nspawn_args');
  return { ...resolveTreeSettings(options, env), extraArgs };
}

/**
 * `ansible_nspawn_persistent` / ANSIBLE_NSPAWN_PERSISTENT / `[nspawn_connection] persistent`: true (the
 * default) keeps one container per host; false starts a fresh container for every command.
 */
export function persistentModeWanted(options: ConnectionOptions, env: NodeJS.ProcessEnv): boolean {
  const text = pickOption(options, env, {
    variable: 'ansible_nspawn_persistent',
    environment: 'ANSIBLE_NSPAWN_PERSISTENT',
    section: 'nspawn_connection',
    key: 'persistent',
  });
  if (text === undefined) return true;
  const word = text.trim().toLowerCase();
  if (['yes', 'on', '1', 'true', 'y', 't'].includes(word)) return true;
  if (['no', 'off', '0', 'false', 'n', 'f'].includes(word)) return false;
  throw new ConnectionError(
    `${options.host}: ansible_nspawn_persistent '${text}' is not a boolean; use true (one container per host) or false (one per command)`,
    options.host,
  );
}

/** What the controller looks like, as far as systemd-nspawn cares (probed once, see nspawnChecks.ts). */
export interface HostProbe {
  /** A systemd system bus is reachable: without it nspawn cannot register a machine or create a scope unit. */
  systemBus: boolean;
}

/** The flags playtree adds on a host without a system bus; the user's own `--register`/`--keep-unit` win. */
export function noBusFlags(settings: NspawnSettings, probe: HostProbe): string[] {
  if (probe.systemBus) return [];
  const userSet = (flag: string) => settings.extraArgs.some((arg) => arg === flag || arg.startsWith(`${flag}=`));
  const flags: string[] = [];
  // Without these, systemd-nspawn stops at "Failed to open system bus" (machined and a scope unit need the bus).
  if (!userSet('--register')) flags.push('--register=no');
  if (!userSet('--keep-unit')) flags.push('--keep-unit');
  return flags;
}

/** The longest machine name and hostname systemd accepts (Linux's HOST_NAME_MAX). */
const NAME_MAX = 64;

/**
 * `text` cut down to a valid hostname as systemd 252 does for a folder name (hostname_cleanup): only letters,
 * digits, `-` and `.` are kept; no `-` or `.` at the start or right after a `.`, no `.` right after a `-`, at
 * most 64 characters, and one trailing `-` or `.` dropped. May be empty.
 */
export function cleanHostname(text: string): string {
  let name = '';
  let afterDot = true;
  let afterHyphen = true;
  for (const char of text) {
    if (name.length >= NAME_MAX) break;
    if (char === '.') {
      if (afterDot || afterHyphen) continue;
      [afterDot, afterHyphen] = [true, false];
    } else if (char === '-') {
      if (afterDot) continue;
      [afterDot, afterHyphen] = [false, true];
    } else if (/^[A-Za-z0-9]$/.test(char)) {
      [afterDot, afterHyphen] = [false, false];
    } else continue;
    name += char;
  }
  return /[-.]$/.test(name) ? name.slice(0, -1) : name;
}

/** A name systemd takes as a machine name or hostname (hostname_is_valid without flags). */
export function isValidHostname(name: string): boolean {
  return name.length > 0 && name.length <= NAME_MAX && /^[A-Za-z0-9]+(?:-+[A-Za-z0-9]+)*(?:\.[A-Za-z0-9]+(?:-+[A-Za-z0-9]+)*)*$/.test(name);
}

/**
 * The container's machine name: the tree folder's name as nspawn would clean it, then `-` and 8 hex digits of
 * the sha256 of the tree's real path. nspawn keeps `/run/systemd/nspawn/propagate/MACHINE` per container and
 * removes it when the container exits, and machined refuses a second machine of the same name: two trees
 * both called `tree` must not share a name.
 */
export function machineNameOf(tree: string, realTree: string): string {
  const hash = createHash('sha256').update(realTree).digest('hex').slice(0, 8);
  const folder = cleanHostname(basename(tree)).slice(0, NAME_MAX - hash.length - 1).replace(/[-.]+$/, '');
  return folder === '' ? `tree-${hash}` : `${folder}-${hash}`;
}

/** True when `args` hold option `long` (`--long=V`, `--long V`) or its `short` letter (`-S V`, `-SV`). */
function hasOption(args: readonly string[], long: string, short?: string): boolean {
  return args.some((arg) => arg === long || arg.startsWith(`${long}=`) || (short !== undefined && arg.startsWith(short)));
}

/**
 * `--machine=` (unique per tree, machineNameOf) and `--hostname=` (the name nspawn gives the container by
 * default, the tree folder's name: tasks and facts see it unchanged). The user's own `--machine`/`-M` wins
 * (and its hostname with it), as does `--hostname`; `--ephemeral`/`-x` already gets a random machine name
 * from nspawn. The host's own root (`/`) is left to nspawn (it names that container after the host).
 */
export function containerNameFlags(settings: NspawnSettings, realTree: string): string[] {
  const args = settings.extraArgs;
  if (realTree === '/' || hasOption(args, '--machine', '-M') || hasOption(args, '--ephemeral', '-x')) return [];
  const hostname = cleanHostname(basename(settings.tree));
  const ownHostname = hasOption(args, '--hostname') || !isValidHostname(hostname);
  return [`--machine=${machineNameOf(settings.tree, realTree)}`, ...(ownHostname ? [] : [`--hostname=${hostname}`])];
}

/**
 * The full systemd-nspawn argv running `payload` (e.g. `['/bin/sh', '-c', command]`) in the tree, whose real
 * path (symlinks resolved) is `realTree`; the persistent container's leader is built on the same flags.
 */
export function buildNspawnArgv(settings: NspawnSettings, probe: HostProbe, realTree: string, payload: readonly string[]): string[] {
  return [
    'systemd-nspawn',
    `--directory=${settings.tree}`,
    // -q: no "Spawning container..." / "Press ^] three times..." lines mixed into the command's output.
    '--quiet',
    // Without --pipe, nspawn (>= 242) does not forward a non-terminal stdin: a command reading stdin would get nothing.
    '--pipe',
    // Commands run from / as Ansible's tree connections do (nspawn would otherwise use the user's home).
    '--chdir=/',
    // nspawn's default --timezone=auto points the tree's /etc/localtime at the build host's zone at every
    // start: it would undo a `timezone` task and leak the host's zone into the image.
    ...(settings.extraArgs.some((arg) => arg.startsWith('--timezone')) ? [] : ['--timezone=off']),
    // The command runs as PID 2 under nspawn's stub init: as PID 1 a shell ignores a SIGTERM it has no trap
    // for, so an interrupted `sleep 1000; touch /x` would go on to `touch /x`. The stub init also reaps the
    // orphans background jobs leave behind. Not with --boot (the tree's init is PID 1; they cannot combine).
    ...(settings.extraArgs.some((arg) => ['--as-pid2', '--boot', '-b'].includes(arg)) ? [] : ['--as-pid2']),
    ...(settings.user === undefined ? [] : [`--user=${settings.user}`]),
    ...noBusFlags(settings, probe),
    ...containerNameFlags(settings, realTree),
    ...settings.extraArgs,
    '--',
    ...payload,
  ];
}

/** The line the leader prints once the container is set up and its shell runs. */
export const LEADER_READY = 'playtree-container-ready';

/** Where the leader keeps its command channel inside the container (a tmpfs nspawn mounts, gone with it). */
export const SHELL_DIR = '/run/playtree';

/**
 * The FIFOs nspawnShell.ts asks for first (`F`, its first batch of eight commands' stdout, stderr and stdin):
 * the leader makes them with its own FIFO, in the same mkfifo, so that the first command costs no mkfifo.
 */
const FIRST_FIFOS = [
  ...Array.from({ length: 8 }, (_unused, index) => [`o${index + 1}.out`, `o${index + 1}.err`]).flat(),
  ...Array.from({ length: 8 }, (_unused, index) => `i${index + 1}`),
].map((name) => `${SHELL_DIR}/${name}`);

/**
 * The container's command server (see nspawnShell.ts), run in the background by the leader: it reads one
 * request per line from the FIFO SHELL_DIR/requests and answers on the leader's stdout, which is playtree's
 * pipe. `F paths...` makes the FIFOs not already there (answer `M rc`; a name taken by anything but a FIFO,
 * a symlink included, fails). `X id stdin stdout stderr script` runs the script in a subshell with those FIFOs (stdin `-` is
 * /dev/null), says `R id` once its FIFOs are open, and `E id rc` when it has ended. `Y` is `X` with a 7th
 * word, a FIFO that gets `R` and `E` instead of stdout (a command sent by a wrapper on a build host that
 * cannot read the leader's stdout, viaContainerScripts.ts). Globbing is off while the line is split into
 * words, and on again for the script.
 */
export const SHELL_SERVER_SCRIPT = `set -f
while IFS= read -r pt_r; do
  set -- $pt_r
  case $1 in
    F) shift; for pt_p; do shift; [ -p "$pt_p" ] && [ ! -L "$pt_p" ] || set -- "$@" "$pt_p"; done
       pt_m=0; if [ $# -gt 0 ]; then mkfifo -m 600 -- "$@"; pt_m=$?; fi; echo "M $pt_m" ;;
    X) pt_i=$3; if [ "$pt_i" = - ]; then pt_i=/dev/null; fi
       (exec 9>&1 <"$pt_i" >"$4" 2>"$5"; echo "R $2" >&9; exec 9>&-; set +f; pt_f=$6; unset pt_r pt_i pt_p pt_m; . "$pt_f")
       echo "E $2 $?" ;;
    Y) pt_i=$3; if [ "$pt_i" = - ]; then pt_i=/dev/null; fi
       (exec 9<>"$7" <"$pt_i" >"$4" 2>"$5"; echo "R $2" >&9; exec 9>&-; set +f; pt_f=$6; unset pt_r pt_i pt_p pt_m; . "$pt_f")
       echo "E $2 $?" 1<>"$7" ;;
  esac
done`;

/** What playtree writes to the leader's stdin to stop the container: anything else (EOF) means it died. */
export const LEADER_STOP = 'stop';

/**
 * The leader starts the command server, then blocks reading its stdin, which is playtree's pipe. playtree
 * stops the container by writing LEADER_STOP (its commands have ended by then): the leader exits and
 * systemd-nspawn tears the container down. When playtree dies instead (even by SIGKILL), `read` sees EOF
 * while a command may still run: the leader sends SIGTERM to every other process of the container (`kill
 * -1` spares only PID 1 and the leader) and waits up to three seconds for them to go, so that the traps of
 * a transfer cut short remove its temporary file, which SIGKILL (the container going down) would leave in
 * the tree. Every process counts, not only the server's children: one that outlives the server (reparented
 * to PID 1) may still be running its trap.
 */
export const LEADER_SCRIPT = `mkdir -p -m 700 ${SHELL_DIR} && mkfifo -m 600 ${SHELL_DIR}/requests ${FIRST_FIFOS.join(' ')} || exit 1
(${SHELL_SERVER_SCRIPT}
) <${SHELL_DIR}/requests &
echo ${LEADER_READY}; pt_w=; read -r pt_w
[ "$pt_w" = ${LEADER_STOP} ] && exit 0
kill -TERM -1 2>/dev/null
pt_n=0
while [ $pt_n -lt 30 ]; do
  for pt_p in /proc/[0-9]*; do case \${pt_p#/proc/} in 1|$$) ;; *) break ;; esac; pt_p=; done
  [ -n "$pt_p" ] || exit 0
  sleep 0.1; pt_n=$((pt_n + 1))
done
exit 0`;

/**
 * systemd-nspawn running the leader. Always as root (user switching happens per command, see buildEnterArgv);
 * `--as-pid2` (buildNspawnArgv) puts nspawn's stub init at PID 1, which reaps the orphans background jobs
 * leave behind.
 */
export function buildLeaderArgv(settings: NspawnSettings, probe: HostProbe, realTree: string): string[] {
  const asRoot: NspawnSettings = { ...settings, user: undefined };
  return buildNspawnArgv(asRoot, probe, realTree, [settings.shell, '-c', LEADER_SCRIPT]);
}

/** Linux capability names by number, as setpriv spells them (linux/capability.h order). */
export const CAPABILITY_NAMES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
] as const;

/** `CapBnd:` of /proc/PID/status (hex) → setpriv's `--bounding-set=-all,+chown,...` (unknown bits dropped). */
export function boundingSetArgument(capBndHex: string): string {
  const mask = BigInt(`0x${capBndHex.trim()}`);
  const kept = CAPABILITY_NAMES.filter((_name, bit) => (mask >> BigInt(bit)) & 1n);
  return `--bounding-set=${['-all', ...kept.map((name) => `+${name}`)].join(',')}`;
}

/** How a command enters the running container. */
export interface EnterTarget {
  /** Host PID of the container's PID 1. */
  leaderPid: number;
  /** The container's capability bounding set (hex), so that commands get no more than nspawn gives. */
  capBnd: string;
  /** For a non-root `ansible_user`: the tree's setpriv switches to it after entering (with its groups). */
  user?: { name: string; gid: number; setpriv: string };
}

/**
 * setpriv (host) narrows the capability bounding set to the container's, then nsenter joins all of the
 * leader's namespaces, its root and `/` as working folder (`--wdns`: resolved inside; `--wd=/` would
 * be the controller's `/`). nspawn's seccomp filter is not applied to entered commands.
 */
export function buildEnterArgv(target: EnterTarget, payload: readonly string[]): string[] {
  const switchUser = target.user
    ? [target.user.setpriv, `--reuid=${target.user.name}`, `--regid=${target.user.gid}`, '--init-groups', '--']
    : [];
  return [
    'setpriv',
    boundingSetArgument(target.capBnd),
    '--',
    'nsenter',
    `--target=${target.leaderPid}`,
    '--all',
    '--root',
    '--wdns=/',
    '--',
    ...switchUser,
    ...payload,
  ];
}
