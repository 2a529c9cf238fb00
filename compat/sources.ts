import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Source } from './manifest.js';

const run = promisify(execFile);

/**
 * Where a source can be cloned from: a local git directory when $PLAYTREE_COMPAT_GIT names a folder that
 * holds one (`owner+name/repo`, `owner/name.git` or `owner/name`), else GitHub over the network.
 */
export function cloneUrl(source: Source, gitDirs = process.env['PLAYTREE_COMPAT_GIT']): string {
  if (gitDirs) {
    const [owner, name] = source.repo.split('/');
    for (const candidate of [join(gitDirs, `${owner}+${name}`, 'repo'), join(gitDirs, owner!, `${name}.git`), join(gitDirs, owner!, name!)]) {
      if (existsSync(candidate)) return candidate;
    }
  }
  return `https://github.com/${source.repo}.git`;
}

/**
 * The source checked out at its pinned commit under CACHE/src/<name>-<commit>, made once: it is checked out
 * beside and renamed into place, so an interrupted clone is never taken for a finished one.
 */
export async function checkout(source: Source, cache: string): Promise<string> {
  const dir = join(cache, 'src', `${source.name}-${source.commit.slice(0, 12)}`);
  if (existsSync(dir)) return dir;
  await mkdir(join(cache, 'src'), { recursive: true });
  const building = `${dir}.partial`;
  await rm(building, { recursive: true, force: true });
  const git = (...args: string[]) => run('git', ['-C', building, ...args], { maxBuffer: 64 * 1024 * 1024 });
  await run('git', ['clone', '--quiet', '--no-checkout', cloneUrl(source), building], { maxBuffer: 64 * 1024 * 1024 });
  if (source.sparse) {
    await git('sparse-checkout', 'init', '--cone');
    await git('sparse-checkout', 'set', ...source.sparse);
  }
  await git('checkout', '--quiet', '--detach', source.commit);
  await rename(building, dir);
  return dir;
}
