import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NspawnConnection } from '../connections/nspawn.js';
import { dpkgSelectionsModule } from '../modules/dpkg_selections.js';
import { findModule } from '../modules/find.js';
import { rebootModule } from '../modules/reboot.js';
import { slurpModule } from '../modules/slurp.js';
import { sysvinitModule } from '../modules/sysvinit.js';
import { waitForModule } from '../modules/wait_for.js';
import { waitForConnectionModule } from '../modules/wait_for_connection.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { runModuleOn } from './support/treeModuleRun.js';
import { runModule } from './support/moduleRun.js';

/**
 * find, slurp, dpkg_selections, sysvinit, wait_for, wait_for_connection and reboot in one copy of the Debian
 * test tree through nspawn.
 */

const skip = realTreeSkipReason();

const INIT_SCRIPT = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          ptmore
# Required-Start:    $remote_fs
# Required-Stop:     $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: playtree test service
### END INIT INFO
touch /var/tmp/ptmore-ran
exit 0
`;

describe('more modules in a Debian tree through nspawn', { skip }, () => {
  let tree = '';
  let remove = async () => {};
  let connection: NspawnConnection;
  const run = (module: Parameters<typeof runModuleOn>[1], args: Record<string, unknown>, options: Parameters<typeof runModuleOn>[3] = {}) =>
    runModuleOn(connection, module, args, options);
  const inTree = (path: string) => join(tree, path);

  before(async () => {
    ({ tree, remove } = await copyTestTree());
    await mkdir(inTree('srv/data/sub'), { recursive: true });
    await writeFile(inTree('srv/data/a.conf'), 'key=value\n');
    await writeFile(inTree('srv/data/sub/b.conf'), 'other\n');
    await writeFile(inTree('srv/data/c.txt'), 'text\n');
    await symlink('/etc/nonexistent', inTree('srv/data/dangling.conf'));
    await writeFile(inTree('etc/init.d/ptmore'), INIT_SCRIPT, { mode: 0o755 });
    connection = new NspawnConnection({ host: tree, vars: {}, config: {}, log: () => {} });
    await connection.open();
  });
  after(async () => {
    await connection?.close();
    await remove();
  });

  test('find lists the tree\'s files in one command, with owner names from the tree', async () => {
    const result = await run(findModule, { paths: '/srv/data', patterns: '*.conf', recurse: true });
    assert.equal(result.roundTrips, 1);
    const files = result['files'] as Array<Record<string, unknown>>;
    assert.deepEqual(files.map((file) => file['path']), ['/srv/data/a.conf', '/srv/data/sub/b.conf']);
    assert.deepEqual([files[0]!['pw_name'], files[0]!['size'], files[0]!['isreg']], ['root', 10, true]);
    const links = await run(findModule, { paths: ['/srv/data'], file_type: 'link' });
    assert.deepEqual((links['files'] as Array<Record<string, unknown>>).map((file) => file['path']), ['/srv/data/dangling.conf']);
  });

  test('slurp returns a tree file as base64 and fails on a missing one as Ansible', async () => {
    const result = await run(slurpModule, { src: '/srv/data/a.conf' });
    assert.deepEqual([result['content'], result['encoding'], result['source']], [Buffer.from('key=value\n').toString('base64'), 'base64', '/srv/data/a.conf']);
    const missing = await run(slurpModule, { path: '/srv/none' });
    assert.deepEqual([missing.failed, missing.msg], [true, 'file not found: /srv/none']);
  });

  test('dpkg_selections holds a package through the tree\'s dpkg, then reports ok; check mode changes nothing', async () => {
    const checked = await run(dpkgSelectionsModule, { name: 'bash', selection: 'hold' }, { check: true });
    assert.deepEqual([checked.changed, checked['before'], checked['after']], [true, 'install', 'hold']);
    const held = await run(dpkgSelectionsModule, { name: 'bash', selection: 'hold' });
    assert.deepEqual([held.changed, held['before']], [true, 'install']);
    const again = await run(dpkgSelectionsModule, { name: 'bash', selection: 'hold' });
    assert.equal(again.changed, false);
    const unknown = await run(dpkgSelectionsModule, { name: 'no-such-package', selection: 'install' }, { check: true });
    assert.equal(unknown['before'], 'not present');
    await run(dpkgSelectionsModule, { name: 'bash', selection: 'install' });
  });

  test('sysvinit enables an init script through update-rc.d and starts nothing', async () => {
    const first = await run(sysvinitModule, { name: 'ptmore', enabled: true, state: 'started' });
    assert.equal(first.failed, undefined, String(first.msg));
    assert.equal(first.changed, true);
    assert.equal(await readlink(inTree('etc/rc2.d/S01ptmore')), '../init.d/ptmore');
    assert.equal((await run(sysvinitModule, { name: 'ptmore', enabled: true })).changed, false);
    assert.equal(existsSync(inTree('var/tmp/ptmore-ran')), false);
  });

  describe('waiting', () => {
    let server: Server;
    let port = 0;
    before(async () => {
      server = createServer((socket) => socket.end('SSH-2.0-playtree-test\r\n'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test('wait_for finds a file and its regex groups, and a port from inside the tree (nspawn shares the network)', async () => {
      const file = await run(waitForModule, { path: '/srv/data/a.conf', search_regex: 'key=(?P<v>\\w+)' });
      assert.equal(file.failed, undefined, String(file.msg));
      assert.deepEqual([file['state'], file['match_groups'], file['match_groupdict']], ['file', ['value'], { v: 'value' }]);
      const gone = await run(waitForModule, { path: '/srv/none', state: 'absent' });
      assert.deepEqual([gone.failed, gone['state']], [undefined, 'absent']);
      const open = await run(waitForModule, { port, search_regex: 'SSH-\\S+', timeout: 10 });
      assert.equal(open.failed, undefined, String(open.msg));
      assert.equal(open['port'], port);
    });

    test('wait_for_connection answers at once; reboot is ok with nothing to do in a tree and refused locally', async () => {
      const connected = await run(waitForConnectionModule, {});
      assert.deepEqual([connected.changed, connected.failed], [false, undefined]);
      const rebooted = await run(rebootModule, {});
      assert.deepEqual([rebooted.changed, rebooted['rebooted'], rebooted.failed], [false, false, undefined]);
      assert.match(String(rebooted.msg), /nothing to reboot/);
      await assert.rejects(runModule(rebootModule, {}), /reboot refuses to restart a running system \(connection local\)/);
    });
  });
});
