import { readdir, readFile, readlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { basename, dirname, join } from 'node:path';
import { findHeldTreeLock } from '../connections/treeLock.js';

/**
 * What a container on `tree` may leave behind, described for an assertion message: processes whose root is
 * the tree, systemd-nspawn processes on it, mounts under it, its lock (held, or nspawn's file beside the
 * tree, which nspawn removes when it stops cleanly). An empty list means nothing is left. Lock files that
 * only count while held (a playtree tree lock under /run/playtree/locks) are left to findHeldTreeLock: such
 * a file that nobody holds is not a leftover.
 */
export async function leftoversOf(tree: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const root = await readlink(`/proc/${entry}/root`).catch(() => '');
    const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ').trim();
    if (root === tree || root.startsWith(`${tree}/`)) found.push(`process ${entry} rooted in the tree: ${cmdline}`);
    else if (cmdline.startsWith('systemd-nspawn') && cmdline.includes(`--directory=${tree}`)) found.push(`process ${entry}: ${cmdline}`);
  }
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  for (const line of mounts.split('\n')) {
    const point = line.split(' ')[4];
    if (point && (point === tree || point.startsWith(`${tree}/`))) found.push(`mount ${point}`);
  }
  const held = await findHeldTreeLock(tree).catch(() => undefined);
  if (held) found.push(`held lock ${held}`);
  const lockFile = `.#${basename(tree)}.lck`;
  if ((await readdir(dirname(tree))).includes(lockFile)) found.push(`lock file ${join(dirname(tree), lockFile)}`);
  return found;
}

/** leftoversOf, polled until empty or `timeoutMs` passed (a killed playtree's container stops on its own). */
export async function leftoversAfterSettling(tree: string, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await leftoversOf(tree);
    if (found.length === 0 || Date.now() > deadline) return found;
    await sleep(100);
  }
}
