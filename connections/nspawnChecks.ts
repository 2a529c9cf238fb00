import { ConnectionError } from '../src/core/errors.js';
import { noBusFlags, type HostProbe, type NspawnSettings } from './nspawnArgv.js';
import { localBuildHost, type BuildHost } from './buildHost.js';

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
 * What both nspawn modes check in open(), on the build host (the controller, or `playtree_via`'s host):
 * root, systemd-nspawn installed, an OS tree with the shell in it, this run's tree lock taken (runLock.ts),
 * and no other container holding the tree's nspawn lock.
 */
export async function checkNspawnPreconditions(
  settings: NspawnSettings,
  probe: HostProbe,
  transport: string,
  log: (verbosity: number, message: string) => void,
  buildHost: BuildHost = localBuildHost,
): Promise<void> {
  await buildHost.checkTree(settings, transport, [['systemd-nspawn', 'systemd-container']]);
  await buildHost.lockTree(settings.host, settings.tree, log);
  const lock = await buildHost.findHeldNspawnLock(settings.tree);
  if (lock !== undefined) {
    throw new ConnectionError(
      `${settings.host}: tree ${settings.tree}${buildHost.where} is in use by another container (lock ${lock} is held); stop that container (machinectl list / ps) or wait for it to finish`,
      settings.host,
    );
  }
  const added = noBusFlags(settings, probe);
  if (added.length > 0) {
    log(3, `<${settings.host}> no system bus on ${buildHost.where ? buildHost.where.slice(4) : 'this host'} (PID 1 is not systemd or no bus socket): adding ${added.join(' ')}`);
  }
}

export { probeHost, readBusFacts, systemBusReachable, type BusFacts } from './busProbe.js';
