import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { NspawnConnection } from '../connections/nspawn.js';
import { aptModule } from '../modules/apt.js';
import { loadModule } from '../modules/index.js';
import { GUARD_MARKER, withPolicyRcD } from '../modules/policyRcD.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { treeOptions } from './support/treeConnectionCases.js';
import { runModuleOn } from './support/treeModuleRun.js';

/**
 * The apt module for real in a Debian tree through systemd-nspawn: one tree copy for the whole file, tests in
 * order (the cache update first; installs and removals build on each other). Needs the network (the tree's
 * own apt sources).
 */

const skip = realTreeSkipReason();
const run = promisify(execFile);

describe('apt in a Debian tree through nspawn', { skip }, () => {
  let tree = '';
  let remove = async () => {};
  let connection: NspawnConnection;
  const apt = (args: Record<string, unknown>, options: { check?: boolean } = {}) => runModuleOn(connection, aptModule, args, options);
  const sh = async (command: string) => (await connection.exec(command)).stdout.toString();
  const status = (name: string) => sh(`dpkg-query -W -f '\${db:Status-Abbrev}\${Version}' ${name} 2>/dev/null; true`);
  const guardPresent = async () => (await sh('[ -e /usr/sbin/policy-rc.d ] && echo yes || echo no')).trim() === 'yes';

  before(async () => {
    ({ tree, remove } = await copyTestTree());
    connection = new NspawnConnection(treeOptions(tree));
    await connection.open();
  });
  after(async () => {
    await connection?.close();
    await remove();
  });

  test('apt update_cache fetches the lists and reports cache_updated with the new cache time', async () => {
    const before = Date.now() / 1000;
    const result = await apt({ update_cache: true });
    assert.equal(result.failed, undefined, String(result.msg));
    assert.equal(result.changed, true);
    assert.equal(result.cache_updated, true);
    assert.ok((result.cache_update_time as number) >= Math.floor(before), `cache time ${String(result.cache_update_time)}`);
    assert.match(await sh('ls /var/lib/apt/lists'), /_Packages/);
  });

  test('apt cache_valid_time keeps a fresh cache: changed=false, same cache time, no update run', async () => {
    const listed = await sh('stat -c %Y /var/lib/apt/lists');
    const result = await apt({ update_cache: true, cache_valid_time: 3600 });
    assert.deepEqual({ changed: result.changed, cache_updated: result.cache_updated }, { changed: false, cache_updated: false });
    assert.equal(result.cache_update_time, Number(listed.trim()));
    assert.equal(result.roundTrips, 1);
  });

  test('apt check mode reports the install as a change and installs nothing', async () => {
    const result = await apt({ name: 'hello' }, { check: true });
    assert.equal(result.changed, true);
    assert.match(String(result.stdout), /Inst hello /);
    assert.equal(await status('hello'), '');
  });

  test('apt installs a package, leaves no policy-rc.d, and a second run is changed=false in one round trip', async () => {
    const first = await apt({ name: 'hello', state: 'present' });
    assert.equal(first.failed, undefined, String(first.msg));
    assert.equal(first.changed, true);
    assert.match(await status('hello'), /^ii 2\./);
    assert.equal(await guardPresent(), false);
    const second = await apt({ name: ['hello'] });
    assert.equal(second.changed, false);
    assert.equal(second.roundTrips, 1);
  });

  test('package (handed to apt) removes it; removing again is changed=false', async () => {
    const packageModule = await loadModule('ansible.builtin.package');
    assert.equal(packageModule?.name, 'package');
    const first = await runModuleOn(connection, packageModule!, { name: 'hello', state: 'absent' });
    assert.equal(first.changed, true);
    assert.doesNotMatch(await status('hello'), /^ii/);
    const second = await runModuleOn(connection, packageModule!, { name: 'hello', state: 'absent' });
    assert.equal(second.changed, false);
  });

  test('apt fails on an unknown package with apt-get error, and no policy-rc.d is left behind', async () => {
    const result = await apt({ name: 'playtree-no-such-package' });
    assert.equal(result.failed, true);
    assert.match(String(result.msg), /Unable to locate package playtree-no-such-package/);
    assert.equal(result.rc, 100);
    assert.equal(await guardPresent(), false);
  });

  test("apt never touches the user's own policy-rc.d, even when the install fails", async () => {
    const own = '#!/bin/sh\n# the image owner\'s policy\nexit 0\n';
    await writeFile(join(tree, 'usr/sbin/policy-rc.d'), own, { mode: 0o755 });
    try {
      const result = await apt({ name: 'playtree-no-such-package' });
      assert.equal(result.failed, true);
      assert.equal(await readFile(join(tree, 'usr/sbin/policy-rc.d'), 'utf8'), own);
    } finally {
      await rm(join(tree, 'usr/sbin/policy-rc.d'), { force: true });
    }
  });

  test('a guard left behind by a killed run is recognised by its marker and removed by the next run', async () => {
    await writeFile(join(tree, 'usr/sbin/policy-rc.d'), `#!/bin/sh\n${GUARD_MARKER}\nexit 101\n`, { mode: 0o755 });
    await apt({ name: 'playtree-no-such-package' });
    assert.equal(await guardPresent(), false);
  });

  test('the guard is in place while the command runs and is removed when the shell is terminated', async () => {
    const result = await connection.exec(withPolicyRcD('/usr/sbin/policy-rc.d x start; echo "rc=$?"; kill -TERM $$; echo not-reached'));
    assert.equal(result.stdout.toString(), 'rc=101\n');
    assert.equal(result.rc, 143);
    assert.equal(await guardPresent(), false);
  });

  test('installing a service package does not start it: invoke-rc.d is denied by the guard', async () => {
    const result = await apt({ name: 'cron', install_recommends: false });
    assert.equal(result.failed, undefined, String(result.msg));
    assert.equal(result.changed, true);
    assert.match(String(result.stdout), /invoke-rc\.d: policy-rc\.d denied execution of start/);
    assert.doesNotMatch(String(result.stdout), /exim/, 'install_recommends=false must keep the recommended MTA out');
    assert.match(await status('cron'), /^ii /);
    assert.equal(await guardPresent(), false);
  });

  test("apt deb installs a .deb built on the controller and placed in the tree (nspawn's /tmp is a private tmpfs), once", async () => {
    const build = join(tree, '..', 'deb-build');
    await mkdir(join(build, 'DEBIAN'), { recursive: true });
    await mkdir(join(build, 'usr/share/playtree-demo'), { recursive: true });
    await writeFile(join(build, 'DEBIAN/control'), 'Package: playtree-demo\nVersion: 1.0-1\nArchitecture: all\nMaintainer: playtree <playtree@example.invalid>\nDescription: playtree test package\n');
    await writeFile(join(build, 'usr/share/playtree-demo/hello.txt'), 'hello from a .deb\n');
    await run('dpkg-deb', ['--root-owner-group', '--build', build, join(tree, 'var/tmp/playtree-demo_1.0-1_all.deb')]);
    const first = await apt({ deb: '/var/tmp/playtree-demo_1.0-1_all.deb' });
    assert.equal(first.failed, undefined, String(first.msg));
    assert.equal(first.changed, true);
    assert.equal(await status('playtree-demo'), 'ii 1.0-1');
    assert.equal(await sh('cat /usr/share/playtree-demo/hello.txt'), 'hello from a .deb\n');
    const second = await apt({ deb: '/var/tmp/playtree-demo_1.0-1_all.deb' });
    assert.equal(second.changed, false);
  });

  test('apt deb downloads a URL on the controller (following a redirect) and installs it, also with a container per command', async () => {
    const build = join(tree, '..', 'deb-url-build');
    await mkdir(join(build, 'DEBIAN'), { recursive: true });
    await writeFile(join(build, 'DEBIAN/control'), 'Package: playtree-url-demo\nVersion: 2.0-1\nArchitecture: all\nMaintainer: playtree <playtree@example.invalid>\nDescription: playtree test package\n');
    const deb = join(tree, '..', 'playtree-url-demo_2.0-1_all.deb');
    await run('dpkg-deb', ['--root-owner-group', '--build', build, deb]);
    const body = await readFile(deb);
    const server = createServer((req, res) => {
      if (req.url === '/moved.deb') res.writeHead(302, { location: '/pool/playtree-url-demo_2.0-1_all.deb' }).end();
      else if (req.url === '/pool/playtree-url-demo_2.0-1_all.deb') res.end(body);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // /tmp is private to each per-command container: the downloaded file must live elsewhere.
    await connection.close();
    connection = new NspawnConnection(treeOptions(tree, { ansible_nspawn_persistent: false }));
    try {
      const missing = await apt({ deb: `${base}/missing.deb` });
      assert.equal(missing.failed, true);
      assert.equal(missing.msg, `Failure downloading ${base}/missing.deb: HTTP Error 404: Not Found`);
      const installed = await apt({ deb: `${base}/moved.deb` });
      assert.equal(installed.failed, undefined, String(installed.msg));
      assert.equal(installed.changed, true);
      assert.equal(await status('playtree-url-demo'), 'ii 2.0-1');
      assert.equal(await sh('ls /var/tmp /tmp | grep -c playtree-url-demo; true'), '0\n', 'the downloaded file is removed');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
