import { lstat, readlink, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';

/**
 * Resolve `path` as the tree would see it: every symlink is followed INSIDE the tree (an absolute target
 * restarts at the tree's root, `..` never climbs above it), never on the controller's own filesystem.
 * Returns the controller path of the final file, or undefined when it does not exist.
 */
export async function resolveInTree(tree: string, path: string): Promise<string | undefined> {
  const pending = posix.normalize(`/${path}`).split('/').filter(Boolean);
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const onHost = join(tree, ...resolved, part);
    const info = await lstat(onHost).catch(() => undefined);
    if (!info) return undefined;
    if (!info.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    // The same limit as the kernel's (ELOOP): a link loop is "not found", not a hang.
    if (++hops > 40) return undefined;
    const target = await readlink(onHost);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter(Boolean));
  }
  return join(tree, ...resolved);
}

/** True when `path` inside the tree resolves to a regular file someone may execute. */
export async function isExecutableInTree(tree: string, path: string): Promise<boolean> {
  const onHost = await resolveInTree(tree, path);
  if (onHost === undefined) return false;
  const info = await stat(onHost).catch(() => undefined);
  return info !== undefined && info.isFile() && (info.mode & 0o111) !== 0;
}
