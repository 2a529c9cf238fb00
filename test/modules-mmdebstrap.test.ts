import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { mmdebstrapArgs, mmdebstrapModule } from '../modules/mmdebstrap.js';
import { copyTestTree } from './support/imageTree.js';
import { runModule, withTempDir } from './support/moduleRun.js';

const base = { variant: undefined, packages: [], components: [], architecture: undefined, mirrors: [], extra_args: [] };

test('mmdebstrap argv puts options first, then suite, target and mirrors', () => {
  const rows: Array<[Record<string, unknown>, string[]]> = [
    [{ ...base, suite: 'bookworm' }, ['bookworm', '/t']],
    [{ ...base, suite: 'bookworm', variant: 'minbase', packages: ['systemd-sysv', 'openssh-server'] }, ['--variant=minbase', '--include=systemd-sysv,openssh-server', 'bookworm', '/t']],
    [{ ...base, suite: 'trixie', components: ['main', 'contrib'], architecture: 'arm64', mirrors: ['http://m/debian'], extra_args: ['--aptopt=X'] }, ['--components=main,contrib', '--architectures=arm64', '--aptopt=X', 'trixie', '/t', 'http://m/debian']],
  ];
  for (const [args, argv] of rows) assert.deepEqual(mmdebstrapArgs(args, '/t'), argv);
});

test('mmdebstrap reports ok without running anything when dest is already an OS tree', async () => {
  const tree = await copyTestTree();
  try {
    const result = await runModule(mmdebstrapModule, { suite: "bookworm", dest: tree.tree });
    assert.equal(result.changed, false);
    assert.equal(result.failed, undefined);
    assert.equal(result.roundTrips, 1);
  } finally {
    await tree.remove();
  }
});

test('mmdebstrap refuses a non-empty dest that is not an OS tree, and check mode creates nothing', async () => {
  await withTempDir(async (dir) => {
    const other = join(dir, 'other');
    await mkdir(other);
    await writeFile(join(other, 'file'), 'x');
    const refused = await runModule(mmdebstrapModule, { suite: 'bookworm', dest: other });
    assert.equal(refused.failed, true);
    assert.match(String(refused.msg), /exists and is not an OS tree/);
    const planned = await runModule(mmdebstrapModule, { suite: 'bookworm', dest: join(dir, 'new') }, { check: true });
    assert.equal(planned.changed, true);
    assert.equal(existsSync(join(dir, 'new')), false);
  });
});

test('mmdebstrap builds a tree into place and a second run reports ok', async () => {
  await withTempDir(async (dir) => {
    const dest = join(dir, 'tree');
    const built = await runModule(mmdebstrapModule, { suite: 'bookworm', dest, variant: 'essential' });
    assert.equal(built.failed, undefined, String(built.msg));
    assert.equal(built.changed, true);
    assert.ok(existsSync(join(dest, 'usr/lib/os-release')));
    const again = await runModule(mmdebstrapModule, { suite: 'bookworm', dest, variant: 'essential' });
    assert.equal(again.changed, false);
    // No temporary build folder is left beside the tree.
    const { readdir } = await import('node:fs/promises');
    assert.deepEqual(await readdir(dir), ['tree']);
  });
});
