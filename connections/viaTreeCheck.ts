import { ConnectionError } from '../src/core/errors.js';
import type { TreeSettings } from './treeOptions.js';

/*
 * What the build host's tree check (CHECK_SCRIPT, IDENTIFY_SCRIPT in viaScripts.ts) answers, read on the
 * controller: the programs found, a verdict, and for a good tree its identity there. Pure: tested row by row.
 */

/** A tree as its build host sees it: the root folder's DEV:INO (the run lock's name) and its canonical path. */
export interface TreeIdentity {
  id: string;
  canonical: string;
}

/** What CHECK_SCRIPT (or IDENTIFY_SCRIPT) printed: the programs found, the verdict and its word, the canonical path. */
export interface TreeCheckOutput {
  found: Map<string, string>;
  verdict: string;
  detail: string;
  /** The tree's canonical path on the build host (verdict `ok` only). */
  canonical?: string;
}

/**
 * Read CHECK_SCRIPT's output: the verdict is the first line that is not a `found` line; after `ok`, the rest
 * is the canonical path as readlink printed it (it may hold any byte but NUL, newlines included).
 */
export function parseTreeCheck(stdout: string): TreeCheckOutput {
  const found = new Map<string, string>();
  let rest = stdout;
  while (rest.startsWith('found ')) {
    const end = rest.indexOf('\n');
    const [name = '', ...path] = rest.slice(6, end < 0 ? undefined : end).split(' ');
    found.set(name, path.join(' '));
    rest = end < 0 ? '' : rest.slice(end + 1);
  }
  const end = rest.indexOf('\n');
  const [verdict = '', detail = ''] = (end < 0 ? rest : rest.slice(0, end)).split(' ');
  const canonical = rest.slice(end + 1, -1);
  if (verdict !== 'ok') return { found, verdict, detail };
  // An `ok` cut short (stat or readlink failed after the checks): no verdict, the caller says what stderr says.
  if (end < 0 || detail === '' || !canonical.startsWith('/') || !rest.endsWith('\n')) return { found, verdict: '', detail: '' };
  return { found, verdict, detail, canonical };
}

/** The one-line ConnectionError for a check's bad verdict (`reason`: the script's first stderr line). */
export function checkFailure(
  { verdict, detail }: { verdict: string; detail: string },
  settings: TreeSettings,
  transport: string,
  programs: ReadonlyArray<[string, string]>,
  buildHost: string,
  reason: string,
): ConnectionError {
  const { host, tree } = settings;
  const where = ` on build host ${buildHost}`;
  const fail = (message: string) => new ConnectionError(`${host}: ${message}`, host);
  if (verdict === 'notroot') return fail(`the ${transport} connection needs root${where} (its connection logs in as uid ${detail}); set ansible_user=root for ${buildHost}`);
  if (verdict === 'missing') {
    const debianPackage = programs.find(([name]) => name === detail)?.[1] ?? 'coreutils';
    return fail(`${detail} not found on PATH${where}; install the Debian package ${debianPackage} there (apt-get install ${debianPackage})`);
  }
  if (verdict === 'nosuchtree') return fail(`tree ${tree} does not exist${where}; build it there first (e.g. mmdebstrap) or point ansible_host at it`);
  if (verdict === 'notafolder') return fail(`tree ${tree}${where} is not a folder; point ansible_host at the root folder of an OS tree`);
  if (verdict === 'notanos') return fail(`${tree}${where} is not an OS tree (neither etc/os-release nor usr/lib/os-release in it); point ansible_host at the tree's root folder`);
  if (verdict === 'noshell') {
    return fail(`ansible_executable ${settings.shell} does not run inside ${tree}${where}; install it in the tree or set ansible_executable to a shell the tree has`);
  }
  return fail(`could not check tree ${tree}${where}: ${reason || 'no answer from the check'}`);
}
