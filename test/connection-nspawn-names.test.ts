import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Connection } from '../connections/connection.js';
import { NspawnConnection, PersistentNspawnConnection } from '../connections/nspawn.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { treeOptions } from './support/treeConnectionCases.js';

/*
 * Two trees with the same folder name (`.../a/tree` and `.../b/tree`) used at once. systemd-nspawn keeps a
 * folder per machine name (/run/systemd/nspawn/propagate/NAME, bind-mounted on the container's
 * /run/host/incoming) and removes it when the container exits: with the folder name as machine name, one
 * tree's container going away took the other's folder with it, and a container starting at that moment
 * failed ("Failed to mount /run/systemd/nspawn/propagate/tree ... No such file or directory").
 */

const skip = realTreeSkipReason();

/**
 * Runs in the waiting container: says it is up (/root/up), waits for the test to create /root/go (after
 * the other tree's containers have all exited), then shows its /run/host/incoming mount, whose source
 * folder the kernel marks `//deleted` once it was removed on the host.
 */
const WAIT_THEN_SHOW_MOUNT = "touch /root/up; while [ ! -e /root/go ]; do sleep 0.05; done; grep ' /run/host/incoming ' /proc/self/mountinfo; hostname";

async function fileAppears(path: string): Promise<void> {
  while (!existsSync(path)) await sleep(20);
}

/** Start and stop a per-command container and a persistent one on `tree`; the hostnames they saw. */
async function comeAndGo(tree: string): Promise<string[]> {
  const perCommand = new NspawnConnection(treeOptions(tree));
  const persistent = new PersistentNspawnConnection(treeOptions(tree));
  try {
    const seen = [await perCommand.exec('hostname')];
    seen.push(await persistent.exec('hostname'));
    return seen.map((result) => `${result.rc} ${result.stdout.toString()}`);
  } finally {
    await persistent.close();
  }
}

/** While `waiting` runs WAIT_THEN_SHOW_MOUNT on `tree`, the other tree's containers come and go. */
async function overlap(waiting: Connection, tree: string, other: string): Promise<{ others: string[]; mount: string; rc: number }> {
  const held = waiting.exec(WAIT_THEN_SHOW_MOUNT);
  await fileAppears(join(tree, 'root/up'));
  const others = await comeAndGo(other);
  await writeFile(join(tree, 'root/go'), '');
  const result = await held;
  return { others, mount: result.stdout.toString(), rc: result.rc };
}

if (skip) {
  test(`nspawn machine name real-tree tests skipped: ${skip}`, { skip }, () => {});
} else {
  describe('nspawn containers of two trees with the same folder name', () => {
    const trees: Array<Awaited<ReturnType<typeof copyTestTree>>> = [];
    before(async () => {
      trees.push(...(await Promise.all([copyTestTree(), copyTestTree()])));
    });
    after(async () => {
      await Promise.all(trees.map((copy) => copy.remove()));
    });

    test('a persistent container keeps its own nspawn folder and hostname while a same-named tree\'s containers start and exit', async () => {
      const [first, second] = trees.map((copy) => copy.tree) as [string, string];
      const waiting = new PersistentNspawnConnection(treeOptions(first));
      try {
        const { others, mount, rc } = await overlap(waiting, first, second);
        assert.deepEqual(others, ['0 tree\n', '0 tree\n']);
        assert.equal(rc, 0);
        assert.doesNotMatch(mount, /deleted/, 'the other container removed this one\'s folder on the host');
        assert.match(mount, /propagate\/tree-[0-9a-f]{8} \/run\/host\/incoming /);
        assert.match(mount, /\ntree\n$/);
        assert.equal((await waiting.exec('hostname')).stdout.toString(), 'tree\n');
      } finally {
        await waiting.close();
      }
    });

    test('a per-command container keeps its own nspawn folder and hostname while a same-named tree\'s containers start and exit', async () => {
      const [first, second] = trees.map((copy) => copy.tree) as [string, string];
      const { others, mount, rc } = await overlap(new NspawnConnection(treeOptions(second)), second, first);
      assert.deepEqual(others, ['0 tree\n', '0 tree\n']);
      assert.equal(rc, 0);
      assert.doesNotMatch(mount, /deleted/, 'the other container removed this one\'s folder on the host');
      assert.match(mount, /propagate\/tree-[0-9a-f]{8} \/run\/host\/incoming /);
      assert.match(mount, /\ntree\n$/);
    });
  });
}
