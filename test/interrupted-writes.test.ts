import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { ChrootConnection } from '../connections/chroot.js';
import type { Connection } from '../connections/connection.js';
import { LocalConnection } from '../connections/local.js';
import { NspawnConnection, PersistentNspawnConnection } from '../connections/nspawn.js';
import { closeOpenConnections } from '../connections/openConnections.js';
import { copyModule } from '../modules/copy.js';
import { installContent } from '../modules/fileWriter.js';
import type { PathState } from '../modules/remoteFile.js';
import { ConnectionTarget } from '../src/engine/target.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { treeOptions } from './support/treeConnectionCases.js';
import { moduleContext } from './support/treeModuleRun.js';

/*
 * A write cut short by an interrupt (closeOpenConnections, as the CLI calls it on SIGINT/SIGTERM) leaves
 * neither the destination nor its temporary file: the stopped script's EXIT trap still runs.
 */

/**
 * Wait until `folder` holds an entry matching `pattern` that is not one of `known` (the write has begun; a
 * file an earlier failed case left must not count); fail after 30 s rather than hang.
 */
async function waitForEntry(folder: string, pattern: RegExp, known: ReadonlySet<string> = new Set()): Promise<void> {
  for (let waited = 0; !(await readdir(folder)).some((name) => pattern.test(name) && !known.has(name)); waited += 20) {
    if (waited > 30_000) assert.fail(`nothing matching ${pattern} appeared in ${folder}`);
    await sleep(20);
  }
}

test('an interrupted local write of streamed content leaves no temporary file and no destination', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'playtree-interrupted-'));
  try {
    // A FIFO as the source file: the content stream stays open, half sent, until the test ends it.
    const source = join(dir, 'source.fifo');
    execFileSync('mkfifo', [source]);
    const dest = join(dir, 'dest.conf');
    const connection = new LocalConnection(treeOptions('localhost'));
    const ctx = moduleContext(new ConnectionTarget(connection), copyModule, { dest, content: '' }, { host: 'localhost' });
    const writing = installContent(ctx, { dest, current: { exists: false } as PathState, file: source, changes: {} }).catch((error: unknown) => error);
    const writer = createWriteStream(source);
    writer.write('half of the content\n');
    await waitForEntry(dir, /^\.dest\.conf\.playtree-/);
    await closeOpenConnections();
    await writing;
    writer.destroy();
    assert.deepEqual(await readdir(dir), ['source.fifo']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an interrupted local put leaves no temporary file and no destination', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'playtree-interrupted-'));
  try {
    const source = new PassThrough();
    source.write('half of the content\n');
    const putting = new LocalConnection(treeOptions('localhost')).put(source, join(dir, 'dest.conf')).catch((error: unknown) => error);
    await waitForEntry(dir, /^\.dest\.conf\.playtree-/);
    await closeOpenConnections();
    // Checked before waiting for the put: a put nobody stops would never end.
    assert.deepEqual(await readdir(dir), []);
    assert.ok((await putting) instanceof Error, 'the put reports that it did not complete');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const skip = realTreeSkipReason();

describe('an interrupted transfer into a tree', { skip }, () => {
  let tree = '';
  let remove = async () => {};
  before(async () => {
    ({ tree, remove } = await copyTestTree());
  });
  after(async () => remove());

  const drivers: Array<[string, (tree: string) => Connection]> = [
    ['chroot', (root) => new ChrootConnection(treeOptions(root))],
    ['nspawn, a container per command', (root) => new NspawnConnection(treeOptions(root))],
    ['nspawn, persistent container', (root) => new PersistentNspawnConnection(treeOptions(root))],
  ];
  for (const [name, connect] of drivers) {
    // A timeout: a put that nothing stops would otherwise hold the whole suite.
    test(`${name}: an interrupted put leaves no temporary file and no destination in the tree`, { timeout: 120_000 }, async () => {
      const connection = connect(tree);
      const known = new Set(await readdir(join(tree, 'etc')));
      const source = new PassThrough();
      source.write('half of the content\n');
      const putting = connection.put(source, '/etc/interrupted.conf').catch((error: unknown) => error);
      await waitForEntry(join(tree, 'etc'), /^\.playtree-put-/, known);
      await closeOpenConnections();
      assert.ok((await putting) instanceof Error, 'the put reports that it did not complete');
      await connection.close();
      assert.deepEqual((await readdir(join(tree, 'etc'))).filter((entry) => entry.includes('playtree')), []);
      assert.equal(existsSync(join(tree, 'etc/interrupted.conf')), false);
    });
  }
});
