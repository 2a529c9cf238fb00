import { ModuleError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import { compareDebianVersions } from './debianVersion.js';
import { fnmatch } from '../src/core/fnmatch.js';

/**
 * What the apt module knows about the target before deciding: the cache's age and each named package's
 * dpkg status, read in ONE command (`stateScript`), parsed here on the controller. Pure logic, unit-tested.
 */

export const APT_LISTS_PATH = '/var/lib/apt/lists';
export const APT_UPDATE_SUCCESS_STAMP_PATH = '/var/lib/apt/periodic/update-success-stamp';

/** A `name`, `name=version` (version may hold fnmatch wildcards) or `name>=version` request. */
export interface PackageSpec {
  spec: string;
  name: string;
  compare?: '=' | '>=';
  version?: string;
}

/** One package as dpkg knows it (`dpkg-query -W`). */
export interface InstalledPackage {
  /** `${binary:Package}`: the name, with `:arch` only for foreign architectures. */
  name: string;
  architecture: string;
  /** dpkg's three-letter status: `ii ` installed, `rc ` config files left, `un ` unknown... */
  status: string;
  version: string;
  /** apt-mark: installed only as a dependency. */
  auto: boolean;
}

export interface AptState {
  /** Seconds since the epoch of the stamp apt writes on a successful update (else the lists folder), 0 if none. */
  cacheTime: number;
  packages: InstalledPackage[];
}

/** Ansible's package_split: `foo>=1.0` and `foo=1.*` (only the first operator counts). */
export function splitPackageSpec(spec: string): PackageSpec {
  const trimmed = spec.trim();
  if ((trimmed.match(/=/g) ?? []).length > 1) throw new ModuleError(`invalid package spec: ${trimmed}`);
  const match = /^(.*?)(>?=)(.*)$/.exec(trimmed);
  if (!match) return { spec: trimmed, name: trimmed };
  return { spec: trimmed, name: match[1]!, compare: match[2] as '=' | '>=', version: match[3]! };
}

export function hasWildcard(name: string): boolean {
  return /[*?[\]!]/.test(name);
}

const FIELD_FORMAT = '${binary:Package}\\t${Architecture}\\t${db:Status-Abbrev}\\t${Version}\\n';
const SECTION = '--- playtree apt state ---';

/**
 * The cache time as Ansible reads it (the success stamp, else the lists folder), except that lists holding
 * no Packages index count as no cache (0): a fresh mmdebstrap tree has an empty lists folder with a new
 * mtime, which Ansible would take for a valid cache and then fail to find any package. The index is looked for by
 * the shell's glob (no ls).
 */
export const CACHE_TIME_COMMAND = `pt_lists=; for pt_f in ${APT_LISTS_PATH}/*_Packages*; do if [ -e "$pt_f" ] || [ -L "$pt_f" ]; then pt_lists=1; fi; break; done
if [ -n "$pt_lists" ]; then stat -c %Y ${APT_UPDATE_SUCCESS_STAMP_PATH} 2>/dev/null || stat -c %Y ${APT_LISTS_PATH} 2>/dev/null || echo 0; else echo 0; fi`;

/**
 * One command printing the cache time, then the dpkg status of `names` (dpkg-query takes glob patterns
 * too), then the names apt marked automatic. Unknown names are simply absent from the listing.
 */
export function stateScript(names: readonly string[]): string {
  const lines = [
    'export LC_ALL=C',
    CACHE_TIME_COMMAND,
    `echo '${SECTION}'`,
  ];
  if (names.length) {
    lines.push(`${shellJoin(['dpkg-query', '-W', '-f', FIELD_FORMAT, '--', ...names])} 2>/dev/null`);
    lines.push(`echo '${SECTION}'`);
    lines.push(`apt-mark showauto 2>/dev/null`);
  }
  lines.push('true');
  return lines.join('\n');
}

export function parseStateOutput(output: string): AptState {
  const [timeText = '0', listing = '', autoText = ''] = output.split(`${SECTION}\n`);
  const auto = new Set(autoText.split('\n').filter(Boolean));
  const packages: InstalledPackage[] = [];
  for (const line of listing.split('\n')) {
    if (!line) continue;
    const [name = '', architecture = '', status = '', version = ''] = line.split('\t');
    packages.push({ name, architecture, status, version, auto: auto.has(name) });
  }
  return { cacheTime: Math.trunc(Number(timeText.trim())) || 0, packages };
}

/** dpkg knows the package as fully installed (the second status letter; `F`/`H` half-done ones are not). */
export function isInstalled(pkg: InstalledPackage): boolean {
  return pkg.status[1] === 'i';
}

/** Anything of it is still on disk (installed, or config files left after a remove): a purge has work to do. */
export function hasFiles(pkg: InstalledPackage): boolean {
  return pkg.status[1] !== undefined && pkg.status[1] !== 'n';
}

/** The listed packages a spec's name (or wildcard) designates: `foo`, `foo:amd64` or a pattern. */
export function packagesFor(spec: PackageSpec, packages: readonly InstalledPackage[]): InstalledPackage[] {
  return packages.filter((p) => {
    const base = p.name.split(':')[0]!;
    const qualified = `${base}:${p.architecture}`;
    // As Ansible: a pattern without `:arch` selects native packages only (foreign ones are listed as name:arch).
    if (hasWildcard(spec.name)) return spec.name.includes(':') ? fnmatch(qualified, spec.name) : !p.name.includes(':') && fnmatch(p.name, spec.name);
    return p.name === spec.name || qualified === spec.name;
  });
}

/** The installed version satisfies the spec (`=` matches as fnmatch, as Ansible; `>=` compares Debian versions). */
export function versionSatisfies(spec: PackageSpec, installedVersion: string): boolean {
  if (!spec.compare || spec.version === undefined) return true;
  if (spec.compare === '=') return fnmatch(installedVersion, spec.version);
  return compareDebianVersions(installedVersion, spec.version) >= 0;
}

/** The specs `state: present` still has to install: not installed, or installed in a version the spec refuses. */
export function specsToInstall(specs: readonly PackageSpec[], packages: readonly InstalledPackage[]): PackageSpec[] {
  return specs.filter((spec) => {
    const installed = packagesFor(spec, packages).filter(isInstalled);
    return !installed.some((p) => versionSatisfies(spec, p.version));
  });
}

/** The package names `state: absent` must remove (installed and matching the spec; or any files left, for purge). */
export function namesToRemove(specs: readonly PackageSpec[], packages: readonly InstalledPackage[], purge: boolean): string[] {
  const names: string[] = [];
  for (const spec of specs) {
    for (const p of packagesFor(spec, packages)) {
      const wanted = isInstalled(p) ? versionSatisfies(spec, p.version) : purge && hasFiles(p);
      if (wanted && !names.includes(p.name)) names.push(p.name);
    }
  }
  return names;
}

/** Named packages that are installed but marked automatic: Ansible marks them manual (unreported). */
export function namesMarkedAuto(specs: readonly PackageSpec[], packages: readonly InstalledPackage[]): string[] {
  return specs.flatMap((spec) => packagesFor(spec, packages).filter((p) => isInstalled(p) && p.auto).map((p) => p.name));
}

/**
 * apt-get's summary line (`1 upgraded, 2 newly installed, 0 to remove and 3 not upgraded.`): did anything
 * change? Undefined when apt printed no summary (e.g. it stopped before planning).
 */
export function summaryChanged(stdout: string): boolean | undefined {
  const match = /^(\d+) upgraded, (\d+) newly installed, (\d+) to remove/m.exec(stdout);
  if (!match) return undefined;
  return match.slice(1, 4).some((n) => Number(n) > 0);
}

/** Ansible's parse_diff: apt-get's plan, from after "Reading state information..." to the summary line. */
export function preparedDiff(stdout: string): { prepared: string } {
  const lines = stdout.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const start = lines.indexOf('Reading state information...') + 1;
  const summary = lines.findIndex((line) => /^[0-9]+ (packages )?upgraded/.test(line));
  const end = summary < 0 ? lines.length : summary + 1;
  return { prepared: lines.slice(start, end).join('\n') };
}
