import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/*
 * Cheap copies of the cached test tree for the scaling table: an overlay mount per copy (the cached tree
 * as the read-only lower layer, writes going to the copy's own upper folder), made in milliseconds whatever
 * the tree's size. Where overlayfs is missing, a `cp -a --reflink=auto` copy instead.
 */

const run = promisify(execFile);

export interface TreeCopies {
  paths: string[];
  /** How the copies were made, for the report. */
  kind: 'overlay' | 'copy';
  remove(): Promise<void>;
}

async function overlayCopy(tree: string, folder: string): Promise<string> {
  const merged = join(folder, 'tree');
  await Promise.all(['upper', 'work', 'tree'].map((name) => mkdir(join(folder, name), { recursive: true })));
  const layers = `lowerdir=${tree},upperdir=${join(folder, 'upper')},workdir=${join(folder, 'work')}`;
  await run('mount', ['-t', 'overlay', 'overlay', '-o', layers, merged]);
  return merged;
}

/** `count` fresh copies of `tree` under `scratch`/`label`-N. */
export async function makeTreeCopies(tree: string, scratch: string, label: string, count: number): Promise<TreeCopies> {
  const folders = Array.from({ length: count }, (_unused, index) => join(scratch, `${label}-${index}`));
  const mounted: string[] = [];
  const remove = async () => {
    for (const path of mounted) await run('umount', [path]).catch(() => undefined);
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  };
  try {
    for (const folder of folders) mounted.push(await overlayCopy(tree, folder));
    return { paths: mounted, kind: 'overlay', remove };
  } catch {
    await remove();
    mounted.length = 0;
    for (const folder of folders) await run('cp', ['-a', '--reflink=auto', tree, folder]);
    return { paths: folders, kind: 'copy', remove };
  }
}
