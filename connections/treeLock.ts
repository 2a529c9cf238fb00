import { realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * systemd-nspawn locks a directory tree it runs (exclusive, or shared with --read-only) with two
 * open-file-description locks: `.#NAME.lck` beside the tree, and `/run/systemd/nspawn/locks/inode-DEV:INO`.
 * The files may outlive a killed nspawn, so a file alone proves nothing: the lock is held only while
 * /proc/locks lists the file's inode. Returns the held lock file, or undefined when the tree is free.
 * nspawn removes both files when it stops cleanly, so /proc/locks is read only when one is there: reading
 * it takes a kernel lock that waits for an RCU grace period (about 10 ms here, on every host's first open).
 */
export async function findHeldTreeLock(tree: string): Promise<string | undefined> {
  const canonical = realpathSync(tree);
  // nspawn never locks "/" (nothing to protect it from).
  if (canonical === '/') return undefined;
  const treeInfo = statSync(canonical, { bigint: true });
  const candidates = [
    join(dirname(canonical), `.#${basename(canonical)}.lck`),
    `/run/systemd/nspawn/locks/inode-${treeInfo.dev}:${treeInfo.ino}`,
  ];
  const present = candidates.flatMap((path) => {
    const info = statSync(path, { bigint: true, throwIfNoEntry: false });
    return info ? [{ path, id: lockId(info.dev, info.ino) }] : [];
  });
  if (present.length === 0) return undefined;
  const held = await heldLockIds();
  return present.find((candidate) => held.has(candidate.id))?.path;
}

/** `MAJOR:MINOR:INODE` as /proc/locks spells a locked file (major and minor in hex). */
export function lockId(dev: bigint, ino: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major.toString(16)}:${minor.toString(16)}:${ino}`;
}

/** Parse /proc/locks into normalised lock ids (hex digits without leading zeros). */
export function parseProcLocks(text: string): Set<string> {
  const ids = new Set<string>();
  for (const line of text.split('\n')) {
    const field = line.split(/\s+/).find((word) => /^[0-9a-f]+:[0-9a-f]+:\d+$/.test(word));
    if (!field) continue;
    const [major, minor, inode] = field.split(':') as [string, string, string];
    ids.add(`${parseInt(major, 16).toString(16)}:${parseInt(minor, 16).toString(16)}:${inode}`);
  }
  return ids;
}

async function heldLockIds(): Promise<Set<string>> {
  const text = await readFile('/proc/locks', 'utf8').catch(() => '');
  return parseProcLocks(text);
}
