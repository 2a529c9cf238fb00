import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ChrootConnection } from '../connections/chroot.js';
import { NspawnConnection, PersistentNspawnConnection } from '../connections/nspawn.js';
import { packageModule } from '../modules/package.js';
import { packageFactsModule } from '../modules/package_facts.js';
import { serviceModule } from '../modules/service.js';
import { serviceFactsModule } from '../modules/service_facts.js';
import { systemdModule } from '../modules/systemd.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { runModuleOn } from './support/treeModuleRun.js';
import { recap, runPlaytree } from './support/cliOnTrees.js';

/**
 * service, systemd, service_facts, package_facts and package in one copy of the Debian test tree through
 * nspawn: first as it comes (no systemd: the SysV path), then with systemd installed by `package`.
 * Nothing may ever start: the script and the unit leave a file behind if they run.
 */

const skip = realTreeSkipReason();

const INIT_SCRIPT = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          ptdaemon
# Required-Start:    $remote_fs
# Required-Stop:     $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: playtree test service
### END INIT INFO
touch /var/tmp/ptdaemon-ran
exit 0
`;

const UNIT = `[Unit]
Description=playtree test unit
[Service]
ExecStart=/bin/touch /var/tmp/ptunit-ran
[Install]
WantedBy=multi-user.target
`;

describe('services and packages in a Debian tree through nspawn', { skip }, () => {
  let tree = '';
  let scratch = '';
  let remove = async () => {};
  let connection: NspawnConnection;
  const run = (module: Parameters<typeof runModuleOn>[1], args: Record<string, unknown>, options: Parameters<typeof runModuleOn>[3] = {}) =>
    runModuleOn(connection, module, args, options);
  const inTree = (path: string) => join(tree, path);
  const ran = () => existsSync(inTree('var/tmp/ptdaemon-ran')) || existsSync(inTree('var/tmp/ptunit-ran'));
  const offlineOff = { evaluate: (e: string) => (e.startsWith('playtree_offline_services') ? false : undefined) };

  before(async () => {
    ({ tree, scratch, remove } = await copyTestTree());
    await writeFile(inTree('etc/init.d/ptdaemon'), INIT_SCRIPT, { mode: 0o755 });
    connection = new NspawnConnection({ host: tree, vars: {}, config: {}, log: () => {} });
    await connection.open();
  });
  after(async () => {
    await connection?.close();
    await remove();
  });

  describe('a tree without systemd: SysV', () => {
    test('service enables an init script with update-rc.d and starts nothing; again is ok', async () => {
      const first = await run(serviceModule, { name: 'ptdaemon', state: 'started', enabled: true });
      assert.equal(first.failed, undefined, String(first.msg));
      assert.deepEqual([first.changed, first['state'], first['enabled']], [true, 'started', true]);
      assert.match(String(first.msg), /ptdaemon was not started: the target is an image tree/);
      assert.equal(await readlink(inTree('etc/rc2.d/S01ptdaemon')), '../init.d/ptdaemon');
      const second = await run(serviceModule, { name: 'ptdaemon', state: 'started', enabled: true });
      assert.equal(second.changed, false);
      assert.equal(ran(), false, 'the script ran');
    });
    test('restarted reports changed, as Ansible does, and runs nothing', async () => {
      const result = await run(serviceModule, { name: 'ptdaemon', state: 'restarted' });
      assert.deepEqual([result.failed, result.changed], [undefined, true]);
      assert.equal(ran(), false);
    });
    test('an offline start makes the RuntimeDirectory= folders of the unit the package ships, in the container /run only', async () => {
      await mkdir(inTree('etc/systemd/system/ptdaemon.service.d'), { recursive: true });
      await writeFile(inTree('etc/systemd/system/ptdaemon.service'), `${UNIT}[Service]\nRuntimeDirectory=ptdaemon\nRuntimeDirectoryMode=0750\n`);
      await writeFile(inTree('etc/systemd/system/ptdaemon.service.d/run.conf'), '[Service]\nRuntimeDirectory=ptdaemon-dropin\n');
      // One container for both commands: its /run lives as long as it does (a per-command one starts empty).
      const persistent = new PersistentNspawnConnection({ host: tree, vars: {}, config: {}, log: () => {} });
      try {
        await persistent.open();
        const result = await runModuleOn(persistent, serviceModule, { name: 'ptdaemon', state: 'started' });
        assert.deepEqual([result.failed, result.changed, result['warnings']], [undefined, false, undefined]);
        const seen = await persistent.exec('stat -c "%a %n" /run/ptdaemon /run/ptdaemon-dropin');
        assert.equal(seen.stdout.toString(), '750 /run/ptdaemon\n750 /run/ptdaemon-dropin\n');
        assert.equal(existsSync(inTree('run/ptdaemon')), false, 'the folder reached the tree');
        // Through chroot /run is the tree's own folder: nothing is made there.
        const chrooted = await runModuleOn(new ChrootConnection({ host: tree, vars: {}, config: {}, log: () => {} }), serviceModule, { name: 'ptdaemon', state: 'started' });
        assert.deepEqual([chrooted.failed, existsSync(inTree('run/ptdaemon'))], [undefined, false]);
      } finally {
        await persistent.close();
        await rm(inTree('etc/systemd/system/ptdaemon.service'));
        await rm(inTree('etc/systemd/system/ptdaemon.service.d'), { recursive: true });
      }
    });
    test('disabling removes the start links', async () => {
      const result = await run(serviceModule, { name: 'ptdaemon', enabled: false, state: 'stopped' });
      assert.equal(result.changed, true);
      assert.ok(!(await readdir(inTree('etc/rc2.d'))).includes('S01ptdaemon'));
      assert.ok((await readdir(inTree('etc/rc2.d'))).includes('K01ptdaemon'));
    });
    test('a service with no script fails naming what is missing', async () => {
      const result = await run(serviceModule, { name: 'nosuch', state: 'started' });
      assert.equal(result.msg, 'Could not find the requested service nosuch: the target has neither systemd nor /etc/init.d/nosuch');
    });
    test('use: systemd on a tree without systemd fails saying to install it; an unknown use fails', async () => {
      assert.match(String((await run(serviceModule, { name: 'ptdaemon', enabled: true, use: 'systemd' })).msg), /systemctl is not installed/);
      assert.match(String((await run(serviceModule, { name: 'ptdaemon', enabled: true, use: 'openrc' })).msg), /^use: 'openrc' is not supported/);
    });
    test('service_facts lists the init scripts with their boot state', async () => {
      await run(serviceModule, { name: 'ptdaemon', enabled: true });
      const facts = (await run(serviceFactsModule, {})).ansible_facts as { services: Record<string, Record<string, string>> };
      assert.deepEqual(facts.services['ptdaemon'], { name: 'ptdaemon', state: 'stopped', status: 'enabled', source: 'sysv' });
      assert.equal(facts.services['hwclock.sh']?.source, 'sysv');
    });
    test('package_facts reads the tree\'s dpkg database', async () => {
      const result = await run(packageFactsModule, {});
      const packages = (result.ansible_facts as { packages: Record<string, Record<string, string>[]> }).packages;
      const { stdout } = await promisify(execFile)('dpkg-query', ['--admindir', inTree('var/lib/dpkg'), '-W', '-f', '${Version} ${Architecture}', 'dpkg']);
      const [version, arch] = stdout.split(' ');
      assert.deepEqual(packages['dpkg'], [{ name: 'dpkg', version, arch, category: 'admin', origin: '', source: 'apt' }]);
      assert.equal(packages['systemd'], undefined);
    });
  });

  describe('with systemd installed by package', () => {
    before(async () => {
      const install = await run(packageModule, { name: ['systemd'], update_cache: true, install_recommends: false, use: 'auto' });
      assert.equal(install.failed, undefined, String(install.msg));
      assert.equal(install.changed, true);
      await mkdir(inTree('etc/systemd/system'), { recursive: true });
      await writeFile(inTree('etc/systemd/system/ptunit.service'), UNIT);
    });
    test('package with use: apt finds systemd installed: ok; another use fails', async () => {
      assert.equal((await run(packageModule, { name: 'systemd', use: 'apt' })).changed, false);
      assert.match(String((await run(packageModule, { name: 'systemd', use: 'yum' })).msg), /^use: 'yum' is not supported/);
    });
    test('service picks systemd: started and enabled links the unit, starts nothing, says so; again ok', async () => {
      const first = await run(serviceModule, { name: 'ptunit', state: 'started', enabled: true });
      assert.equal(first.failed, undefined, String(first.msg));
      assert.deepEqual([first.changed, first['state']], [true, 'started']);
      assert.match(String(first.msg), /ptunit was not started: the target is an image tree/);
      assert.equal(await readlink(inTree('etc/systemd/system/multi-user.target.wants/ptunit.service')), '/etc/systemd/system/ptunit.service');
      assert.equal((await run(serviceModule, { name: 'ptunit', state: 'started', enabled: true })).changed, false);
      assert.equal(ran(), false);
    });
    test('systemd restarted and reloaded report changed and run nothing', async () => {
      const results = [await run(systemdModule, { name: 'ptunit', state: 'restarted' }), await run(systemdModule, { name: 'ptunit', state: 'reloaded' })];
      assert.deepEqual(results.map((r) => [r.failed, r.changed]), [[undefined, true], [undefined, true]]);
      assert.equal(ran(), false);
    });
    test('with playtree_offline_services false, started fails as before', async () => {
      const result = await run(serviceModule, { name: 'ptunit', state: 'started' }, offlineOff);
      assert.equal(result.failed, true);
      assert.match(String(result.msg), /^Could not make unit ptunit started: systemd is not running on the target/);
    });
    test('service_facts lists unit files with their enablement', async () => {
      const facts = (await run(serviceFactsModule, {})).ansible_facts as { services: Record<string, Record<string, string>> };
      assert.deepEqual(facts.services['ptunit.service'], { name: 'ptunit.service', state: 'stopped', status: 'enabled', source: 'systemd' });
      assert.equal(facts.services['systemd-networkd.service']?.status, 'disabled');
    });
  });

  describe('a geerlingguy-style play through the CLI', () => {
    test('service_facts and package_facts as variables, a started service and its restart handler pass; with the variable false, fail', async () => {
      const work = join(scratch, 'work');
      await mkdir(work, { recursive: true });
      const playbook = join(work, 'site.yml');
      await writeFile(
        playbook,
        `- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.service_facts:
    - name: Ensure ptunit is started and enabled
      ansible.builtin.service: { name: ptunit, state: started, enabled: true }
    - ansible.builtin.package_facts:
    - ansible.builtin.command: /bin/true
      changed_when: "services['ptunit.service'].status == 'enabled'"
      notify: restart ptunit
    - ansible.builtin.assert:
        that: ["packages['systemd'][0].arch == 'amd64'", "'ptdaemon' in ansible_facts.services"]
  handlers:
    - name: restart ptunit
      ansible.builtin.service: { name: ptunit, state: restarted }
`,
      );
      const inventory = (extra: string) => `[image]\n${tree} ansible_connection=nspawn ${extra}\n`;
      await writeFile(join(work, 'hosts.ini'), inventory(''));
      const first = await runPlaytree(work, ['-i', join(work, 'hosts.ini'), playbook]);
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.deepEqual([recap(first.stdout, tree)['ok'], recap(first.stdout, tree)['changed']], [6, 2], first.stdout);
      assert.match(first.stdout, /RUNNING HANDLER \[restart ptunit\][^\n]*\nchanged:/);
      await writeFile(join(work, 'hosts.ini'), inventory('playtree_offline_services=false'));
      const off = await runPlaytree(work, ['-i', join(work, 'hosts.ini'), playbook]);
      assert.notEqual(off.code, 0);
      assert.match(off.stdout, /systemd is not running on the target/);
      assert.equal(ran(), false);
    });
  });
});
