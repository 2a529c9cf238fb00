import { homedir } from 'node:os';
import { isAbsolute } from 'node:path';
import { toBoolean } from '../src/core/boolean.js';
import { ConnectionError } from '../src/core/errors.js';
import type { ConnectionOptions } from './connection.js';
import { pickOption, resolveExecutable } from './connectionSettings.js';
import { splitSshArgs } from './sshArgWords.js';

/*
 * `ansible_connection=ssh` settings, resolved once from host variables, ANSIBLE_* variables and ansible.cfg
 * in Ansible's order, and the ssh client's argv built from them (pure: tested row by row).
 * Ansible's names and defaults: ssh_args `-C -o ControlMaster=auto -o ControlPersist=60s`, control_path,
 * control_path_dir, ssh_common_args, ssh_extra_args, host_key_checking (on), timeout (10 s), retries (0).
 * Differences: the default control folder is playtree's own private one for the run (not ~/.ansible/cp), and
 * `-o BatchMode=yes` comes first, so that ssh never waits on a prompt (a password, a passphrase, an unknown
 * host key): ansible_password (ansible_ssh_pass) is refused with a message, use a key or an ssh-agent.
 */

export const DEFAULT_SSH_ARGS = '-C -o ControlMaster=auto -o ControlPersist=60s';

export interface SshSettings {
  /** Inventory host name. */
  host: string;
  /** What ssh connects to: ansible_host, else the inventory name. */
  address: string;
  port: number | undefined;
  user: string | undefined;
  /** The remote shell that runs every command (`ansible_executable`, default /bin/sh). */
  shell: string;
  /** The ssh program (`ansible_ssh_executable`, default `ssh`). */
  executable: string;
  /** Every ssh option before the destination (no `--`, no command). */
  options: string[];
  /** The ControlPath ssh uses, as given to it (with ssh's %-tokens); undefined when nothing is multiplexed. */
  controlPath: string | undefined;
  /** The user's control_path_dir, made (0700) before the first connection as Ansible does. */
  controlFolder: string | undefined;
  /** The control path came from the user (ssh_args or control_path), not from playtree's own folder. */
  userControlPath: boolean;
  /** Connection attempts after the first one, for ssh's own failures (exit 255). */
  retries: number;
}

type Source = { variable?: string; environment?: string; section?: string; key?: string };

/** The first of `sources` that is set, in order (several names for one Ansible option). */
function pickFirst(options: ConnectionOptions, env: NodeJS.ProcessEnv, sources: Source[]): string | undefined {
  for (const source of sources) {
    const value = pickOption(options, env, source);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Variables first, then environment, then ansible.cfg, across all the names an option has. */
function pickSetting(options: ConnectionOptions, env: NodeJS.ProcessEnv, variables: string[], environment: string[], ini: Array<[string, string]>): string | undefined {
  return (
    pickFirst(options, env, variables.map((variable) => ({ variable }))) ??
    pickFirst(options, env, environment.map((name) => ({ environment: name }))) ??
    // Ansible lets a later ini entry win: [ssh_connection] over [defaults].
    pickFirst(options, env, [...ini].reverse().map(([section, key]) => ({ section, key })))
  );
}

function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? `${homedir()}${path.slice(1)}` : path;
}

/** Resolve the host's ssh settings; `controlDir` gives playtree's private control folder when it is needed. */
export function resolveSshSettings(options: ConnectionOptions, env: NodeJS.ProcessEnv, controlDir: () => string): SshSettings {
  const host = options.host;
  const pick = (variables: string[], environment: string[], ini: Array<[string, string]> = []) => pickSetting(options, env, variables, environment, ini);
  const fail = (message: string) => new ConnectionError(`${host}: ${message}`, host);
  if (pick(['ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password'], []) !== undefined) {
    throw fail('ansible_password is not supported by playtree\'s ssh connection (it never answers a password prompt); log in with a key (ansible_ssh_private_key_file) or an ssh-agent');
  }
  const address = pick(['ansible_host', 'ansible_ssh_host'], []) ?? host;
  const portText = pick(['ansible_port', 'ansible_ssh_port'], ['ANSIBLE_REMOTE_PORT'], [['defaults', 'remote_port']]);
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw fail(`ansible_port '${portText}' is not a port number`);
  const user = pick(['ansible_user', 'ansible_ssh_user'], ['ANSIBLE_REMOTE_USER'], [['defaults', 'remote_user']]);
  const key = pick(['ansible_ssh_private_key_file', 'ansible_private_key_file'], ['ANSIBLE_PRIVATE_KEY_FILE'], [['defaults', 'private_key_file']]);
  const checkingText = pick(['ansible_host_key_checking', 'ansible_ssh_host_key_checking'], ['ANSIBLE_HOST_KEY_CHECKING', 'ANSIBLE_SSH_HOST_KEY_CHECKING'], [['defaults', 'host_key_checking'], ['ssh_connection', 'host_key_checking']]);
  const checking = checkingText === undefined ? true : toBoolean(checkingText);
  if (checking === undefined) throw fail(`host_key_checking '${checkingText}' is not a boolean`);
  const timeout = pick(['ansible_ssh_timeout'], ['ANSIBLE_TIMEOUT', 'ANSIBLE_SSH_TIMEOUT'], [['defaults', 'timeout'], ['ssh_connection', 'timeout']]) ?? '10';
  if (!/^\d+$/.test(timeout)) throw fail(`the ssh timeout '${timeout}' is not a whole number of seconds`);
  const retriesText = pick(['ansible_ssh_retries'], ['ANSIBLE_SSH_RETRIES'], [['connection', 'retries'], ['ssh_connection', 'retries']]) ?? '0';
  if (!/^\d+$/.test(retriesText)) throw fail(`the ssh retries '${retriesText}' is not a whole number`);
  const words = (what: string, variables: string[], environment: string[], key: string, fallback = '') =>
    splitSshArgs(pick(variables, environment, [['ssh_connection', key]]) ?? fallback, host, what);
  const sshArgs = words('ssh_args', ['ansible_ssh_args'], ['ANSIBLE_SSH_ARGS'], 'ssh_args', DEFAULT_SSH_ARGS);
  const commonArgs = words('ssh_common_args', ['ansible_ssh_common_args'], ['ANSIBLE_SSH_COMMON_ARGS'], 'ssh_common_args');
  const extraArgs = words('ssh_extra_args', ['ansible_ssh_extra_args'], ['ANSIBLE_SSH_EXTRA_ARGS'], 'ssh_extra_args');
  const shell = resolveExecutable(options, env);
  if (!isAbsolute(shell)) throw fail(`ansible_executable '${shell}' must be an absolute path on the remote host (e.g. /bin/sh)`);

  const argv = [
    // First, so that no later option turns it off: ssh must fail rather than wait on a prompt nobody sees.
    '-o', 'BatchMode=yes',
    ...sshArgs,
    ...(checking ? [] : ['-o', 'StrictHostKeyChecking=no']),
    ...(port === undefined ? [] : ['-o', `Port=${port}`]),
    ...(key === undefined ? [] : ['-o', `IdentityFile="${expandHome(key)}"`]),
    '-o', 'KbdInteractiveAuthentication=no',
    '-o', 'PreferredAuthentications=gssapi-with-mic,gssapi-keyex,hostbased,publickey',
    '-o', 'PasswordAuthentication=no',
    ...(user === undefined ? [] : ['-o', `User="${user}"`]),
    '-o', `ConnectTimeout=${timeout}`,
    ...commonArgs,
    ...extraArgs,
  ];
  const control = controlSettings(argv, pick, controlDir);
  return {
    host,
    address,
    port,
    user,
    shell,
    executable: pick(['ansible_ssh_executable'], ['ANSIBLE_SSH_EXECUTABLE'], [['ssh_connection', 'ssh_executable']]) ?? 'ssh',
    options: control.added === undefined ? argv : [...argv, '-o', `ControlPath="${control.added}"`],
    controlPath: control.path,
    controlFolder: control.folder,
    userControlPath: control.path !== undefined && control.added === undefined,
    retries: Number(retriesText),
  };
}

/**
 * As Ansible: when the options ask for ControlPersist but name no ControlPath, one is added, from
 * `control_path` (with `%(directory)s` for the control folder) or the control folder and ssh's `%C` hash of
 * host, port and user. The folder is `control_path_dir` when set, else playtree's private one.
 */
function controlSettings(
  argv: string[],
  pick: (variables: string[], environment: string[], ini?: Array<[string, string]>) => string | undefined,
  controlDir: () => string,
): { path: string | undefined; added: string | undefined; folder?: string } {
  const lower = argv.map((word) => word.toLowerCase());
  const persist = lower.some((word) => word.includes('controlpersist'));
  const given = optionValue(argv, 'controlpath');
  if (given !== undefined) return { path: given, added: undefined };
  if (!persist) return { path: undefined, added: undefined };
  const folder = pick(['ansible_control_path_dir'], ['ANSIBLE_SSH_CONTROL_PATH_DIR'], [['ssh_connection', 'control_path_dir']]);
  const directory = folder === undefined ? controlDir() : expandHome(folder);
  const template = pick(['ansible_control_path'], ['ANSIBLE_SSH_CONTROL_PATH'], [['ssh_connection', 'control_path']]);
  const path = template === undefined ? `${directory}/%C` : template.replaceAll('%(directory)s', directory);
  return { path, added: path, ...(folder === undefined ? {} : { folder: directory }) };
}

/** The value of `-o NAME=VALUE` (or `-oNAME VALUE` forms ssh takes) in `argv`, without quotes. */
function optionValue(argv: string[], name: string): string | undefined {
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index]!;
    const setting = word === '-o' ? argv[index + 1] : word.startsWith('-o') ? word.slice(2) : undefined;
    const match = setting === undefined ? null : /^\s*(\w+)\s*(?:=|\s)\s*(.*)$/.exec(setting);
    if (match && match[1]!.toLowerCase() === name) return match[2]!.replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

/** The ssh argv that runs `remoteCommand` (one shell string) on the host, or an `-O` control request. */
export function sshArgv(settings: SshSettings, tail: { command: string } | { control: 'check' | 'exit' | 'stop' }): string[] {
  if ('control' in tail) return [...settings.options, '-O', tail.control, '--', settings.address];
  return [...settings.options, '--', settings.address, tail.command];
}
