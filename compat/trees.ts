import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIG = { maxBuffer: 64 * 1024 * 1024 };

/** The cached Debian test tree (scripts/test-tree.sh builds it once), copied to `dest`. */
export async function copyTestTree(treeScript: string, dest: string): Promise<void> {
  await rm(dest, { recursive: true, force: true });
  await mkdir(dirname(dest), { recursive: true });
  await run('sh', [treeScript, '--copy', dest], BIG);
}

/**
 * The same tree with python3 in it, for ansible-playbook (its modules are Python): made once under
 * CACHE/trees/python3-<base key> by apt inside the tree, then copied for each run.
 */
export async function copyPythonTree(treeScript: string, cache: string, dest: string): Promise<void> {
  const base = (await run('sh', [treeScript], BIG)).stdout.trim();
  const cached = join(cache, 'trees', `python3-${base.split('/').pop()}`);
  if (!existsSync(cached)) {
    const building = `${cached}.partial`;
    await copyTestTree(treeScript, building);
    // --register=no --keep-unit: no systemd as PID 1 or system bus on build machines and CI containers.
    const nspawn = ['--register=no', '--keep-unit', '-q', '-D', building, '--'];
    await run('systemd-nspawn', [...nspawn, 'apt-get', 'update', '-qq'], BIG);
    await run('systemd-nspawn', [...nspawn, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'python3', 'python3-apt'], BIG);
    await rename(building, cached);
  }
  await rm(dest, { recursive: true, force: true });
  await run('cp', ['-a', '--reflink=auto', cached, dest], BIG);
}
