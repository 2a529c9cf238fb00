import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIG = { maxBuffer: 64 * 1024 * 1024 };

/**
 * What the corpus's trees hold beyond the minbase test tree. Both tools get the tools targets expect of a
 * test host (`file` for stat's mimetype, `ssh-keygen` for user's keys, sshd for roles that edit its config); ansible also needs its Python.
 */
const PACKAGES = {
  playtree: ['file', 'openssh-client', 'openssh-server'],
  ansible: ['file', 'openssh-client', 'openssh-server', 'python3', 'python3-apt'],
} as const;

export type TreeKind = keyof typeof PACKAGES;

/**
 * A copy at `dest` of the Debian test tree (scripts/test-tree.sh) with the kind's packages, which are
 * installed once by apt inside the tree into CACHE/trees/<kind>-<key>, keyed by base tree and packages.
 */
export async function copyCorpusTree(treeScript: string, cache: string, kind: TreeKind, dest: string): Promise<void> {
  const base = (await run('sh', [treeScript], BIG)).stdout.trim();
  const key = createHash('sha256').update(`${base}\n${PACKAGES[kind].join(',')}`).digest('hex').slice(0, 16);
  const cached = join(cache, 'trees', `${kind}-${key}`);
  if (!existsSync(cached)) {
    const building = `${cached}.partial`;
    await rm(building, { recursive: true, force: true });
    await mkdir(dirname(building), { recursive: true });
    await run('sh', [treeScript, '--copy', building], BIG);
    // --register=no --keep-unit: no systemd as PID 1 or system bus on build machines and CI containers.
    const nspawn = ['--register=no', '--keep-unit', '-q', '-D', building, '--'];
    await run('systemd-nspawn', [...nspawn, 'apt-get', 'update', '-qq'], BIG);
    const install = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends'];
    await run('systemd-nspawn', [...nspawn, ...install, ...PACKAGES[kind]], BIG);
    await run('systemd-nspawn', [...nspawn, 'apt-get', 'clean'], BIG);
    await rename(building, cached);
  }
  await rm(dest, { recursive: true, force: true });
  await run('cp', ['-a', '--reflink=auto', cached, dest], BIG);
}
