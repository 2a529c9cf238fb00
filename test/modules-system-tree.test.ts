import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NspawnConnection } from '../connections/nspawn.js';
import { groupModule } from '../modules/group.js';
import { hostnameModule } from '../modules/hostname.js';
import { localeGenModule } from '../modules/locale_gen.js';
import { serviceModule } from '../modules/service.js';
import { systemdModule } from '../modules/systemd.js';
import { userModule } from '../modules/user.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { runModuleOn } from './support/treeModuleRun.js';
import { debugMessages, recap, runPlaytree } from './support/cliOnTrees.js';

/**
 * The system modules for real, in one private copy of the Debian test tree through systemd-nspawn (no systemd
 * runs there). systemd and locales are installed once, after the tests that need them absent.
 */

const skip = realTreeSkipReason();

const MARKER_UNIT = `[Unit]
Description=playtree test unit: leaves a file behind if it ever runs

[Service]
Type=oneshot
ExecStart=/bin/touch /var/tmp/playtree-marker-ran

[Install]
WantedBy=multi-user.target
Alias=pt-marker.service
`;

describe('system modules in a Debian tree through nspawn', { skip }, () => {
  let tree = '';
  let scratch = '';
  let remove = async () => {};
  let connection: NspawnConnection;
  const run = (module: Parameters<typeof runModuleOn>[1], args: Record<string, unknown>, options: { check?: boolean; diff?: boolean } = {}) =>
    runModuleOn(connection, module, args, options);
  const inTree = (path: string) => join(tree, path);
  const sh = async (command: string) => {
    const result = await connection.exec(command);
    return { rc: result.rc, out: result.stdout.toString(), err: result.stderr.toString() };
  };

  before(async () => {
    ({ tree, scratch, remove } = await copyTestTree());
    connection = new NspawnConnection({ host: tree, vars: {}, config: {}, log: () => {} });
    await connection.open();
  });
  after(async () => {
    await connection?.close();
    await remove();
  });

  describe('before systemd and locales are installed', () => {
    test('systemd fails saying to install systemd when the tree has no systemctl', async () => {
      const result = await run(systemdModule, { name: 'ssh', enabled: true });
      assert.equal(result.failed, true);
      assert.match(String(result.msg), /systemctl is not installed on the target: install the systemd package/);
    });
    test('locale_gen fails saying to install locales when locale-gen is missing', async () => {
      const result = await run(localeGenModule, { name: 'de_DE.UTF-8' });
      assert.equal(result.failed, true);
      assert.match(String(result.msg), /locale-gen.* missing in the target: install the 'locales' package/);
    });
  });

  describe('units, with systemd installed in the tree', () => {
    before(async () => {
      // The brief's guard: no service may start while apt configures the packages; removed even on failure.
      const install = await sh(
        "trap 'rm -f /usr/sbin/policy-rc.d' EXIT; printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && " +
          'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends systemd locales >/dev/null',
      );
      assert.equal(install.rc, 0, install.err);
      await writeFile(inTree('etc/systemd/system/playtree-marker.service'), MARKER_UNIT);
    });

    const wants = () => inTree('etc/systemd/system/multi-user.target.wants/playtree-marker.service');
    // Links in a tree point at absolute paths inside it: test the link itself, never what the host resolves.
    const linked = (path: string) => lstat(path).then(() => true, () => false);

    test('check mode reports the unit would be enabled and links nothing', async () => {
      const result = await run(systemdModule, { name: 'playtree-marker', enabled: true }, { check: true });
      assert.equal(result.changed, true);
      assert.equal(result['enabled'], true);
      assert.equal(await linked(wants()), false);
    });

    test('enabling a unit offline links it from its [Install] targets and alias, and nothing runs', async () => {
      const result = await run(systemdModule, { name: 'playtree-marker.service', enabled: true });
      assert.equal(result.failed, undefined, String(result.msg));
      assert.equal(result.changed, true);
      assert.equal(await readlink(wants()), '/etc/systemd/system/playtree-marker.service');
      assert.equal(await readlink(inTree('etc/systemd/system/pt-marker.service')), '/etc/systemd/system/playtree-marker.service');
      assert.equal(existsSync(inTree('var/tmp/playtree-marker-ran')), false, 'the unit ran');
      assert.equal(existsSync(inTree('run/systemd/system')), false);
    });

    test('enabling it again reports changed=0 in one round trip', async () => {
      const result = await run(systemdModule, { name: 'playtree-marker', enabled: true });
      assert.deepEqual({ changed: result.changed, enabled: result['enabled'], roundTrips: result.roundTrips }, { changed: false, enabled: true, roundTrips: 1 });
    });

    test('state: started starts nothing in the tree and says so (offline services)', async () => {
      const result = await run(systemdModule, { name: 'playtree-marker', state: 'started' });
      assert.deepEqual([result.failed, result.changed, result['state']], [undefined, false, 'started']);
      assert.match(String(result.msg), /^playtree-marker was not started: the target is an image tree/);
      assert.equal(existsSync(inTree('var/tmp/playtree-marker-ran')), false);
    });

    test('state: stopped is already true in a tree', async () => {
      const result = await run(systemdModule, { name: 'playtree-marker', state: 'stopped' });
      assert.deepEqual({ changed: result.changed, state: result['state'], failed: result.failed }, { changed: false, state: 'stopped', failed: undefined });
    });

    test('disabling removes the links', async () => {
      const result = await run(systemdModule, { name: 'playtree-marker', enabled: false });
      assert.equal(result.changed, true);
      assert.equal(await linked(wants()), false);
      assert.equal(await linked(inTree('etc/systemd/system/pt-marker.service')), false);
    });

    test('masking links the unit to /dev/null, once; unmasking removes it', async () => {
      const first = await run(systemdModule, { name: 'systemd-networkd.service', masked: true });
      const second = await run(systemdModule, { name: 'systemd-networkd.service', masked: true });
      assert.deepEqual([first.changed, second.changed], [true, false]);
      assert.equal(await readlink(inTree('etc/systemd/system/systemd-networkd.service')), '/dev/null');
      const unmask = await run(systemdModule, { name: 'systemd-networkd.service', masked: false });
      assert.equal(unmask.changed, true);
      assert.equal(await linked(inTree('etc/systemd/system/systemd-networkd.service')), false);
    });

    test('service enables a packaged unit through systemctl, offline', async () => {
      const result = await run(serviceModule, { name: 'systemd-networkd', enabled: true });
      assert.equal(result.changed, true);
      assert.equal(await readlink(inTree('etc/systemd/system/multi-user.target.wants/systemd-networkd.service')), '/lib/systemd/system/systemd-networkd.service');
      assert.equal((await run(serviceModule, { name: 'systemd-networkd', enabled: true })).changed, false);
    });

    test('an unknown unit fails as Ansible does', async () => {
      const result = await run(systemdModule, { name: 'no-such-unit', enabled: true });
      assert.equal(result.msg, 'Could not find the requested service no-such-unit: host');
    });
  });

  describe('users and groups', () => {
    const hostPasswd = () => readFile('/etc/passwd', 'utf8');
    const hostGroup = () => readFile('/etc/group', 'utf8');

    test('check mode creates no group', async () => {
      const result = await run(groupModule, { name: 'ptbuilders', gid: 2345 }, { check: true });
      assert.equal(result.changed, true);
      assert.doesNotMatch(await readFile(inTree('etc/group'), 'utf8'), /^ptbuilders:/m);
    });

    test('a group appears in the tree\'s /etc/group with its gid, not on the host; again changes nothing', async () => {
      const result = await run(groupModule, { name: 'ptbuilders', gid: 2345 });
      assert.deepEqual({ changed: result.changed, gid: result['gid'] }, { changed: true, gid: 2345 });
      assert.match(await readFile(inTree('etc/group'), 'utf8'), /^ptbuilders:x:2345:$/m);
      assert.doesNotMatch(await hostGroup(), /^ptbuilders:/m);
      assert.equal((await run(groupModule, { name: 'ptbuilders', gid: 2345 })).changed, false);
    });

    test('a system group gets a gid below 1000', async () => {
      const result = await run(groupModule, { name: 'ptsvc', system: true });
      assert.ok(Number(result['gid']) < 1000, String(result['gid']));
    });

    test('check mode creates no user', async () => {
      const result = await run(userModule, { name: 'ptalice' }, { check: true });
      assert.equal(result.changed, true);
      assert.doesNotMatch(await readFile(inTree('etc/passwd'), 'utf8'), /^ptalice:/m);
    });

    test('a user appears in the tree with shell, groups, hash and a home from /etc/skel, not on the host', async () => {
      const args = { name: 'ptalice', shell: '/bin/bash', groups: ['ptbuilders', 'ptsvc'], password: '$6$salt$hash', comment: 'Alice' };
      const result = await run(userModule, args);
      assert.equal(result.failed, undefined, String(result.msg));
      assert.deepEqual(
        { changed: result.changed, home: result['home'], shell: result['shell'], groups: result['groups'], password: result['password'] },
        { changed: true, home: '/home/ptalice', shell: '/bin/bash', groups: 'ptbuilders,ptsvc', password: 'NOT_LOGGING_PASSWORD' },
      );
      assert.match(await readFile(inTree('etc/passwd'), 'utf8'), new RegExp(`^ptalice:x:${String(result['uid'])}:${String(result['group'])}:Alice:/home/ptalice:/bin/bash$`, 'm'));
      assert.match(await readFile(inTree('etc/shadow'), 'utf8'), /^ptalice:\$6\$salt\$hash:/m);
      const group = await readFile(inTree('etc/group'), 'utf8');
      assert.match(group, /^ptbuilders:x:2345:ptalice$/m);
      assert.match(group, /^ptsvc:x:\d+:ptalice$/m);
      assert.equal((await lstat(inTree('home/ptalice/.bashrc'))).uid, result['uid']);
      assert.doesNotMatch(await hostPasswd(), /^ptalice:/m);
      assert.doesNotMatch(await hostGroup(), /ptalice/);
      const again = await run(userModule, args);
      assert.deepEqual({ changed: again.changed, roundTrips: again.roundTrips }, { changed: false, roundTrips: 1 });
    });

    test('modifying a user in check mode changes nothing; for real, only what differs', async () => {
      const check = await run(userModule, { name: 'ptalice', shell: '/bin/sh', groups: ['ptbuilders'] }, { check: true });
      assert.equal(check.changed, true);
      assert.match(await readFile(inTree('etc/passwd'), 'utf8'), /^ptalice:.*:\/bin\/bash$/m);
      const result = await run(userModule, { name: 'ptalice', shell: '/bin/sh', groups: ['ptbuilders'] });
      assert.equal(result.changed, true);
      assert.match(await readFile(inTree('etc/passwd'), 'utf8'), /^ptalice:.*:\/bin\/sh$/m);
      assert.match(await readFile(inTree('etc/group'), 'utf8'), /^ptsvc:x:\d+:$/m);
    });

    test('moving a home keeps its files and makes no fresh one', async () => {
      await writeFile(inTree('home/ptalice/notes.txt'), 'mine\n');
      const result = await run(userModule, { name: 'ptalice', home: '/srv/ptalice', move_home: true });
      assert.deepEqual({ changed: result.changed, home: result['home'] }, { changed: true, home: '/srv/ptalice' });
      assert.equal(await readFile(inTree('srv/ptalice/notes.txt'), 'utf8'), 'mine\n');
      assert.equal(existsSync(inTree('home/ptalice')), false);
    });

    test('a system user without a home gets a low uid and no folder', async () => {
      const result = await run(userModule, { name: 'ptdaemon', system: true, create_home: false, shell: '/usr/sbin/nologin' });
      assert.ok(Number(result['uid']) < 1000);
      assert.equal(existsSync(inTree('home/ptdaemon')), false);
    });

    test('a user with a home under a missing folder gets it made', async () => {
      const result = await run(userModule, { name: 'ptbob', home: '/srv/homes/ptbob' });
      assert.equal(result.changed, true);
      assert.ok((await lstat(inTree('srv/homes/ptbob'))).isDirectory());
    });

    test('removing a user with remove: true deletes its home; again is ok', async () => {
      const result = await run(userModule, { name: 'ptbob', state: 'absent', remove: true });
      assert.deepEqual({ changed: result.changed, remove: result['remove'] }, { changed: true, remove: true });
      assert.doesNotMatch(await readFile(inTree('etc/passwd'), 'utf8'), /^ptbob:/m);
      assert.equal(existsSync(inTree('srv/homes/ptbob')), false);
      assert.equal((await run(userModule, { name: 'ptbob', state: 'absent' })).changed, false);
    });

    test('a missing group fails naming it', async () => {
      const result = await run(userModule, { name: 'ptcarol', groups: ['ptnosuch'] });
      assert.equal(result.msg, 'Group ptnosuch does not exist');
    });

    test('removing a group', async () => {
      const result = await run(groupModule, { name: 'ptsvc', state: 'absent' });
      assert.equal(result.changed, true);
      assert.doesNotMatch(await readFile(inTree('etc/group'), 'utf8'), /^ptsvc:/m);
    });
  });

  describe('hostname', () => {
    test('check mode shows the diff and writes nothing', async () => {
      const before = await readFile(inTree('etc/hostname'), 'utf8');
      const result = await run(hostnameModule, { name: 'img.example.org' }, { check: true });
      assert.equal(result.changed, true);
      assert.deepEqual(result.diff, { before: `hostname = ${before.trim()}\n`, after: 'hostname = img.example.org\n' });
      assert.equal(await readFile(inTree('etc/hostname'), 'utf8'), before);
    });

    test('writes /etc/hostname and the 127.0.1.1 hosts line, never the running hostname; again changes nothing', async () => {
      const hostBefore = hostname();
      const result = await run(hostnameModule, { name: 'img.example.org', update_hosts: true });
      assert.equal(result.changed, true);
      assert.equal(await readFile(inTree('etc/hostname'), 'utf8'), 'img.example.org\n');
      assert.match(await readFile(inTree('etc/hosts'), 'utf8'), /^127\.0\.1\.1\timg\.example\.org\timg$/m);
      assert.deepEqual(result.ansible_facts, { ansible_hostname: 'img', ansible_nodename: 'img.example.org', ansible_fqdn: 'img.example.org', ansible_domain: 'example.org' });
      assert.equal(hostname(), hostBefore);
      assert.equal((await run(hostnameModule, { name: 'img.example.org', update_hosts: true })).changed, false);
    });
  });

  describe('locale_gen', () => {
    const listed = async () => (await sh('locale -a')).out.split('\n');

    test('check mode generates nothing', async () => {
      const result = await run(localeGenModule, { name: 'de_DE.UTF-8' }, { check: true });
      assert.equal(result.changed, true);
      assert.ok(!(await listed()).includes('de_DE.utf8'));
    });

    test('a locale is uncommented in /etc/locale.gen and generated; again changes nothing', async () => {
      const result = await run(localeGenModule, { name: 'de_DE.UTF-8' });
      assert.equal(result.changed, true, String(result.msg));
      assert.match(await readFile(inTree('etc/locale.gen'), 'utf8'), /^de_DE\.UTF-8 UTF-8$/m);
      assert.ok((await listed()).includes('de_DE.utf8'));
      assert.equal((await run(localeGenModule, { name: 'de_DE.UTF-8' })).changed, false);
    });

    test('absent comments it out and removes it from the archive', async () => {
      const result = await run(localeGenModule, { name: 'de_DE.UTF-8', state: 'absent' });
      assert.equal(result.changed, true);
      assert.match(await readFile(inTree('etc/locale.gen'), 'utf8'), /^# de_DE\.UTF-8 UTF-8$/m);
      assert.ok(!(await listed()).includes('de_DE.utf8'));
    });
  });

  describe('a playbook through the CLI', () => {
    test('groups, users, hostname, locale and a unit: changed the first time, ok the second', async () => {
      const work = join(scratch, 'work');
      await mkdir(work, { recursive: true });
      const inventory = join(work, 'hosts.ini');
      await writeFile(inventory, `[image]\n${tree} ansible_connection=nspawn\n`);
      const playbook = join(work, 'image.yml');
      await writeFile(
        playbook,
        `- hosts: image
  gather_facts: false
  tasks:
    - group: { name: ptops, gid: 3100 }
    - user: { name: ptcarl, groups: [ptops], shell: /bin/bash }
    - hostname: { name: built-by-playtree, update_hosts: true }
    - community.general.locale_gen: { name: en_US.UTF-8 }
    - ansible.builtin.systemd: { name: playtree-marker, enabled: true }
    - service: { name: playtree-marker, enabled: true }
      register: unit
    - debug: { msg: "enabled {{ unit.enabled }}" }
`,
      );
      const first = await runPlaytree(work, ['-i', inventory, playbook]);
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.deepEqual({ ok: recap(first.stdout, tree)['ok'], changed: recap(first.stdout, tree)['changed'] }, { ok: 7, changed: 5 });
      assert.ok(debugMessages(first.stdout).includes('enabled True'), first.stdout);
      assert.match(await readFile(inTree('etc/passwd'), 'utf8'), /^ptcarl:.*:\/bin\/bash$/m);
      assert.match(await readFile(inTree('etc/group'), 'utf8'), /^ptops:x:3100:ptcarl$/m);
      assert.equal(await readFile(inTree('etc/hostname'), 'utf8'), 'built-by-playtree\n');
      assert.equal(await readlink(inTree('etc/systemd/system/multi-user.target.wants/playtree-marker.service')), '/etc/systemd/system/playtree-marker.service');
      const second = await runPlaytree(work, ['-i', inventory, playbook]);
      assert.equal(second.code, 0, second.stdout + second.stderr);
      assert.equal(recap(second.stdout, tree)['changed'], 0, second.stdout);
    });
  });
});
