import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ConnectionError } from '../src/core/errors.js';
import { isExecutableInTree, resolveInTree } from './treePaths.js';
import type { TreeSettings } from './treeOptions.js';

/**
 * Preconditions shared by the image-tree drivers, checked in `open()` before the first command so that a
 * misconfigured host is reported UNREACHABLE with one line saying what to do, not a cryptic command failure.
 */

export function checkRunningAsRoot(settings: TreeSettings, transport: string, uid = process.getuid?.()): void {
  if (uid !== 0) {
    throw new ConnectionError(
      `${settings.host}: the ${transport} connection needs root (running as uid ${uid}); run playtree as root, e.g. with sudo`,
      settings.host,
    );
  }
}

/** Programs found on PATH during this run, by name and PATH: every host's connection asks. */
const foundPrograms = new Map<string, string>();

/** The controller program `name` on PATH (looked for once per run), or undefined. */
export function locateProgram(name: string, path = process.env['PATH'] ?? ''): string | undefined {
  const key = `${name}\0${path}`;
  let found = foundPrograms.get(key);
  if (found !== undefined) return found;
  found = path
    .split(delimiter)
    .filter(Boolean)
    .map((folder) => join(folder, name))
    .find(isExecutable);
  if (found !== undefined) foundPrograms.set(key, found);
  return found;
}

/** The controller program `name` on PATH, or a ConnectionError saying which package provides it. */
export async function findProgram(
  settings: TreeSettings,
  name: string,
  debianPackage: string,
  path = process.env['PATH'] ?? '',
): Promise<string> {
  const found = locateProgram(name, path);
  if (found !== undefined) return found;
  throw new ConnectionError(
    `${settings.host}: ${name} not found on PATH; install the Debian package ${debianPackage} (apt-get install ${debianPackage})`,
    settings.host,
  );
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function checkTreeLooksLikeAnOs(settings: TreeSettings): Promise<void> {
  const { host, tree } = settings;
  const info = statSync(tree, { throwIfNoEntry: false });
  if (!info) {
    throw new ConnectionError(
      `${host}: tree ${tree} does not exist; build it first (e.g. mmdebstrap) or point ansible_host at it`,
      host,
    );
  }
  if (!info.isDirectory()) {
    throw new ConnectionError(`${host}: tree ${tree} is not a folder; point ansible_host at the root folder of an OS tree`, host);
  }
  for (const marker of ['/etc/os-release', '/usr/lib/os-release']) {
    if ((await resolveInTree(tree, marker)) !== undefined) return;
  }
  throw new ConnectionError(
    `${host}: ${tree} is not an OS tree (neither etc/os-release nor usr/lib/os-release in it); point ansible_host at the tree's root folder`,
    host,
  );
}

export async function checkShellInTree(settings: TreeSettings): Promise<void> {
  if (await isExecutableInTree(settings.tree, settings.shell)) return;
  throw new ConnectionError(
    `${settings.host}: ansible_executable ${settings.shell} is not an executable file inside ${settings.tree}; install it in the tree or set ansible_executable to a shell the tree has`,
    settings.host,
  );
}
