import { existsSync, readFileSync } from 'node:fs';
import { ConnectionError } from '../src/core/errors.js';
import { noBusFlags, type HostProbe, type NspawnSettings } from './nspawnArgv.js';
import { lockTree } from './runLock.js';
import { checkRunningAsRoot, checkShellInTree, checkTreeLooksLikeAnOs, findProgram } from './treeChecks.js';
import { findHeldTreeLock } from './treeLock.js';

/** Failures of systemd-nspawn itself (the command never ran): reported as UNREACHABLE, not as rc=1. */
const NSPAWN_FAILURES: Array<[RegExp, string]> = [
  [/^Directory tree (.*) is currently busy\.$/m, 'the tree is in use by another container; stop it (machinectl list) or wait for it to finish'],
  [/^Failed to open system bus: .*$/m, 'systemd-nspawn could not reach the system bus; remove --register/--keep-unit from ansible_nspawn_args'],
];

/** "systemd-nspawn failed on TREE: LINE; ADVICE" for a known failure in nspawn's stderr, else undefined. */
export function describeNspawnFailure(tree: string, stderr: string): string | undefined {
  for (const [pattern, advice] of NSPAWN_FAILURES) {
    const match = pattern.exec(stderr);
    if (match) return `systemd-nspawn failed on ${tree}: ${match[0]}; ${advice}`;
  }
  return undefined;
}

/**
 * What both nspawn modes check in open(): root, systemd-nspawn installed, an OS tree with the shell in it,
 * this run's tree lock taken (runLock.ts), and no other container holding the tree's nspawn lock.
 */
export async function checkNspawnPreconditions(
  settings: NspawnSettings,
  probe: HostProbe,
  transport: string,
  log: (verbosity: number, message: string) => void,
): Promise<void> {
  checkRunningAsRoot(settings, transport);
  await findProgram(settings, 'systemd-nspawn', 'systemd-container');
  await checkTreeLooksLikeAnOs(settings);
  await checkShellInTree(settings);
  await lockTree(settings.host, settings.tree, log);
  const lock = await findHeldTreeLock(settings.tree);
  if (lock !== undefined) {
    throw new ConnectionError(
      `${settings.host}: tree ${settings.tree} is in use by another container (lock ${lock} is held); stop that container (machinectl list / ps) or wait for it to finish`,
      settings.host,
    );
  }
  const added = noBusFlags(settings, probe);
  if (added.length > 0) {
    log(3, `<${settings.host}> no system bus on this host (PID 1 is not systemd or no bus socket): adding ${added.join(' ')}`);
  }
}

/** What the controller shows about its init system and system bus (the facts, read from the filesystem). */
export interface BusFacts {
  /** /run/systemd/system exists: systemd is the running init (sd_booted). */
  systemdBooted: boolean;
  /** /proc/1/comm, e.g. `systemd`, or a container's stand-in init. */
  pid1Name: string;
  /** /run/dbus/system_bus_socket exists. */
  busSocket: boolean;
}

/**
 * systemd-nspawn registers with machined and creates a scope unit over the system bus. Both need systemd as
 * PID 1 and a bus listening: in CI containers and sandboxes one of them is missing.
 */
export function systemBusReachable(facts: BusFacts): boolean {
  return facts.systemdBooted && facts.pid1Name === 'systemd' && facts.busSocket;
}

export function readBusFacts(): BusFacts {
  let pid1Name = '';
  try {
    pid1Name = readFileSync('/proc/1/comm', 'utf8').trim();
  } catch {
    // No /proc/1 visible (unusual sandboxes): treat as "not systemd".
  }
  return {
    systemdBooted: existsSync('/run/systemd/system'),
    pid1Name,
    busSocket: existsSync('/run/dbus/system_bus_socket'),
  };
}

let probed: HostProbe | undefined;

/** The controller's system bus, looked at once per run (every host's connection asks). */
export function probeHost(): HostProbe {
  probed ??= { systemBus: systemBusReachable(readBusFacts()) };
  return probed;
}
