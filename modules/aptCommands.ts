import { shellJoin } from '../src/core/shellQuote.js';

/**
 * apt-get command lines as argv, built the way Ansible's apt module builds them (same flags, same order of
 * meaning), and the environment every package command runs with. Pure logic: unit-tested as tables.
 */

/** Options shared by install, remove, upgrade and cleanup runs. */
export interface AptRunOptions {
  check: boolean;
  /** Ansible's dpkg_options: comma-separated dpkg flags without their dashes. */
  dpkgOptions: string;
  force?: boolean;
  autoremove?: boolean;
  failOnAutoremove?: boolean;
  onlyUpgrade?: boolean;
  purge?: boolean;
  installRecommends?: boolean;
  defaultRelease?: string;
  allowUnauthenticated?: boolean;
  allowDowngrade?: boolean;
  allowChangeHeldPackages?: boolean;
  /** Seconds to wait for the dpkg lock (apt's DPkg::Lock::Timeout) instead of failing at once. */
  lockTimeout?: number;
}

/**
 * DEBIAN_FRONTEND=noninteractive: no debconf question may wait for an answer nobody will give.
 * C locale: the summary line and "Reading state information..." are parsed.
 */
export const APT_ENVIRONMENT =
  'export DEBIAN_FRONTEND=noninteractive DEBIAN_PRIORITY=critical LANG=C LC_ALL=C LC_MESSAGES=C LC_CTYPE=C';

export function dpkgOptionArgs(dpkgOptions: string): string[] {
  return dpkgOptions
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .flatMap((o) => ['-o', `Dpkg::Options::=--${o}`]);
}

function commonFlags(o: AptRunOptions): string[] {
  const flags = ['-y', ...dpkgOptionArgs(o.dpkgOptions)];
  if (o.lockTimeout !== undefined) flags.push('-o', `DPkg::Lock::Timeout=${o.lockTimeout}`);
  if (o.force) flags.push('--force-yes');
  if (o.failOnAutoremove) flags.push('--no-remove');
  if (o.allowUnauthenticated) flags.push('--allow-unauthenticated');
  if (o.allowDowngrade) flags.push('--allow-downgrades');
  if (o.check) flags.push('--simulate');
  if (o.defaultRelease) flags.push('-t', o.defaultRelease);
  return flags;
}

/** `apt-get install` of package specs (`name`, `name=version`) or local `.deb` paths. */
export function installArgv(packages: readonly string[], o: AptRunOptions): string[] {
  const argv = ['apt-get', ...commonFlags(o)];
  if (o.onlyUpgrade) argv.push('--only-upgrade');
  if (o.autoremove) argv.push('--auto-remove');
  if (o.installRecommends === false) argv.push('-o', 'APT::Install-Recommends=no');
  if (o.installRecommends === true) argv.push('-o', 'APT::Install-Recommends=yes');
  if (o.allowChangeHeldPackages) argv.push('--allow-change-held-packages');
  return [...argv, 'install', ...packages];
}

export function removeArgv(packages: readonly string[], o: AptRunOptions): string[] {
  const argv = ['apt-get', '-q', ...commonFlags(o)];
  if (o.purge) argv.push('--purge');
  if (o.autoremove) argv.push('--auto-remove');
  return [...argv, 'remove', ...packages];
}

/** Ansible's upgrade modes through apt-get: dist and full are dist-upgrade, yes and safe `upgrade --with-new-pkgs`. */
export function upgradeArgv(mode: string, o: AptRunOptions): string[] {
  const argv = ['apt-get', ...commonFlags(o)];
  const command = mode === 'dist' || mode === 'full' ? ['dist-upgrade'] : ['upgrade', '--with-new-pkgs'];
  if (o.autoremove) command.push('--auto-remove');
  return [...argv, ...command];
}

export function cleanupArgv(operation: 'autoremove' | 'autoclean', o: AptRunOptions): string[] {
  const argv = ['apt-get', ...commonFlags(o)];
  if (o.purge) argv.push('--purge');
  return [...argv, operation];
}

/**
 * `apt-get update`, tried `delays.length + 1` times with the given pauses between tries (Ansible's
 * update_cache_retries with its backoff), then the cache time on the last line of stdout.
 */
export function updateScript(delays: readonly number[], cacheTimeCommand: string): string {
  const tries = delays.map((d) => `|| { sleep ${d}; apt-get update -q; }`).join(' ');
  return `${APT_ENVIRONMENT}\n{ apt-get update -q ${tries}; } >&2 || exit $?\n${cacheTimeCommand}`;
}

/** A package command ready for exec: environment, then the argv quoted as one command. */
export function aptCommand(argv: readonly string[]): string {
  return `${APT_ENVIRONMENT}\n${shellJoin(argv)}`;
}

/** Ansible's backoff between update tries: 2^n seconds plus a fraction, capped at the max delay. */
export function updateDelays(retries: number, maxDelay: number, fraction = Math.random()): number[] {
  const delays: number[] = [];
  for (let retry = 0; retry < retries - 1; retry++) {
    const delay = 2 ** retry + fraction;
    delays.push(Number((delay > maxDelay ? maxDelay + fraction : delay).toFixed(3)));
  }
  return delays;
}
