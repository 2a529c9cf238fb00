import type { ConnectionOptions } from './connection.js';
import { pickOption, resolveTreeSettings, splitShellWords, type TreeSettings } from './treeOptions.js';

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

/** What the controller looks like, as far as systemd-nspawn cares (probed once, see systemBus.ts). */
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

/**
 * The full systemd-nspawn argv running `payload` (e.g. `['/bin/sh', '-c', command]`) in the tree.
 * Pure, so that the per-command mode of today and a persistent container later build on the same flags.
 */
export function buildNspawnArgv(settings: NspawnSettings, probe: HostProbe, payload: readonly string[]): string[] {
  return [
    'systemd-nspawn',
    `--directory=${settings.tree}`,
    // -q: no "Spawning container..." / "Press ^] three times..." lines mixed into the command's output.
    '--quiet',
    // Without --pipe, nspawn (>= 242) does not forward a non-terminal stdin: a command reading stdin would get nothing.
    '--pipe',
    // Commands run from / as Ansible's tree connections do (nspawn would otherwise use the user's home).
    '--chdir=/',
    ...(settings.user === undefined ? [] : [`--user=${settings.user}`]),
    ...noBusFlags(settings, probe),
    ...settings.extraArgs,
    '--',
    ...payload,
  ];
}
