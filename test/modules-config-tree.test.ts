import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NspawnConnection } from '../connections/nspawn.js';
import { assembleModule } from '../modules/assemble.js';
import { iniFileModule } from '../modules/ini_file.js';
import { scriptModule } from '../modules/script.js';
import { sysctlModule } from '../modules/sysctl.js';
import { tempfileModule } from '../modules/tempfile.js';
import { mountModule } from '../modules/mount.js';
import { cronModule } from '../modules/cron.js';
import { authorizedKeyModule } from '../modules/authorized_key.js';
import { pamLimitsModule } from '../modules/pam_limits.js';
import { kernelBlacklistModule } from '../modules/kernel_blacklist.js';
import { modprobeModule } from '../modules/modprobe.js';
import { knownHostsModule } from '../modules/known_hosts.js';
import { alternativesModule } from '../modules/alternatives.js';
import { timezoneModule } from '../modules/timezone.js';
import { getentModule } from '../modules/getent.js';
import { statModule } from '../modules/stat.js';
import { readlink } from 'node:fs/promises';
import type { ModuleDefinition } from '../modules/module.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { runModuleOn } from './support/treeModuleRun.js';
import { runWithFiles } from './fixtures/e2e/runPlaytree.js';

/** The file and config modules for real, in one private copy of the Debian test tree through systemd-nspawn. */

describe('config-file modules in a Debian tree through nspawn', { skip: realTreeSkipReason() }, () => {
  let tree = '';
  let scratch = '';
  let remove = async () => {};
  let connection: NspawnConnection;
  const run = (module: ModuleDefinition, args: Record<string, unknown>, options: { check?: boolean; diff?: boolean } = {}) =>
    runModuleOn(connection, module, args, { ...options, filesDir: scratch });
  const inTree = (path: string) => join(tree, path);
  const read = (path: string) => readFile(inTree(path), 'utf8');

  before(async () => {
    ({ tree, scratch, remove } = await copyTestTree());
    // The timezone test also proves the driver's --timezone=off: nspawn's default would relink /etc/localtime.
    connection = new NspawnConnection({ host: tree, vars: {}, config: {}, log: () => {} });
    await connection.open();
  });
  after(async () => {
    await connection?.close();
    await remove();
  });

  test('assemble joins the target folder fragments in name order, then reports changed=false', async () => {
    await mkdir(inTree('/etc/frags'));
    await writeFile(inTree('/etc/frags/20-b'), 'b\n');
    await writeFile(inTree('/etc/frags/10-a'), 'a');
    await writeFile(inTree('/etc/frags/.hidden'), 'h\n');
    const args = { src: '/etc/frags', dest: '/etc/assembled', delimiter: '### part', ignore_hidden: true, mode: '0640' };
    const first = await run(assembleModule, args, { diff: true });
    assert.deepEqual([first.changed, first.msg, (first.diff as { after: string }).after], [true, 'OK', 'a\n### part\nb\n']);
    assert.equal(await read('/etc/assembled'), 'a\n### part\nb\n');
    assert.equal((await stat(inTree('/etc/assembled'))).mode & 0o777, 0o640);
    const again = await run(assembleModule, args);
    assert.equal(again.changed, false);
    // as Ansible's: dest and the md5 of what was assembled, no path
    assert.deepEqual([again['dest'], again['md5sum'], again['path']], ['/etc/assembled', 'bd36538843d54b7e54a33abf3de9f74b', undefined]);
  });

  test('assemble takes controller fragments with remote_src=no and a regexp', async () => {
    await mkdir(join(scratch, 'parts'));
    await writeFile(join(scratch, 'parts', 'a.conf'), 'one\n');
    await writeFile(join(scratch, 'parts', 'b.skip'), 'two\n');
    const result = await run(assembleModule, { src: 'parts', dest: '/etc/from-controller', remote_src: false, regexp: '\\.conf$' });
    assert.equal(result.changed, true);
    assert.equal(await read('/etc/from-controller'), 'one\n');
    const missing = await run(assembleModule, { src: '/nonexistent', dest: '/etc/x' });
    assert.deepEqual([missing.failed, missing.msg], [true, 'Source (/nonexistent) is not a directory']);
  });

  test('script runs a controller script in the tree with its arguments, chdir and creates', async () => {
    await writeFile(join(scratch, 'hello.sh'), '#!/bin/sh\necho "$# $1 $(pwd)"\ntouch /var/tmp/script-ran\n');
    const result = await run(scriptModule, { _raw_params: 'hello.sh "a b" c', chdir: '/etc' });
    assert.deepEqual([result.changed, result.rc, result.stdout], [true, 0, '2 a b /etc\n']);
    const skipped = await run(scriptModule, { _raw_params: 'hello.sh', creates: '/var/tmp/script-ran' });
    assert.deepEqual([skipped.skipped, skipped.msg], [true, '/var/tmp/script-ran exists, matching creates option']);
    const check = await run(scriptModule, { cmd: 'hello.sh' }, { check: true });
    assert.deepEqual([check.skipped, check.changed], [true, false]);
    const failing = await run(scriptModule, { cmd: 'hello.sh', executable: '/bin/false' });
    assert.deepEqual([failing.failed, failing.msg, failing.rc], [true, 'non-zero return code', 1]);
  });

  test('tempfile makes a file or a folder with prefix and suffix, and returns its path', async () => {
    const file = await run(tempfileModule, { path: '/var/tmp', prefix: 'pt.', suffix: '.conf' });
    assert.match(String(file.path), /^\/var\/tmp\/pt\.\w{8}\.conf$/);
    assert.equal((await stat(inTree(String(file.path)))).mode & 0o777, 0o600);
    const dir = await run(tempfileModule, { state: 'directory', path: '/var/tmp' });
    assert.ok((await stat(inTree(String(dir.path)))).isDirectory());
    assert.match(String(dir.path), /\/ansible\.\w{8}$/);
  });

  test('ini_file adds an option with mode, reports changed=false the second time, and honours check mode', async () => {
    const args = { path: '/etc/pt/app.ini', section: 'main', option: 'level', value: '3', mode: '0600' };
    const check = await run(iniFileModule, args, { check: true, diff: true });
    assert.deepEqual([check.changed, (check.diff as { after: string }).after], [true, '\n[main]\nlevel = 3\n']);
    await assert.rejects(stat(inTree('/etc/pt/app.ini')));
    const first = await run(iniFileModule, args);
    assert.deepEqual([first.changed, first.msg], [true, 'section and option added']);
    assert.equal(await read('/etc/pt/app.ini'), '\n[main]\nlevel = 3\n');
    assert.equal((await stat(inTree('/etc/pt/app.ini'))).mode & 0o777, 0o600);
    assert.equal((await run(iniFileModule, args)).changed, false);
    const missing = await run(iniFileModule, { ...args, path: '/etc/pt/none.ini', create: false });
    assert.deepEqual([missing.failed, missing.rc], [true, 257]);
  });

  test('sysctl writes the tree sysctl file only, idempotently, and warns that sysctl_set is ignored', async () => {
    const args = { name: 'vm.swappiness', value: '10', sysctl_file: '/etc/sysctl.d/90-pt.conf', sysctl_set: true };
    const first = await run(sysctlModule, args);
    assert.equal(first.changed, true);
    assert.match(String((first['warnings'] as string[])[0]), /sysctl_set ignored/);
    assert.equal(await read('/etc/sysctl.d/90-pt.conf'), 'vm.swappiness=10\n');
    assert.equal((await run(sysctlModule, args)).changed, false);
    assert.equal((await run(sysctlModule, { name: 'vm.swappiness', state: 'absent', sysctl_file: '/etc/sysctl.d/90-pt.conf' })).changed, true);
    assert.equal(await read('/etc/sysctl.d/90-pt.conf'), '');
  });

  test('mount writes fstab and the mount point folder in a tree, mounting nothing; unmounted changes nothing', async () => {
    const args = { path: '/srv/data', src: 'LABEL=data', fstype: 'ext4', opts: 'noatime', state: 'mounted', passno: '2' };
    const first = await run(mountModule, args);
    assert.deepEqual([first.changed, first.opts, first.fstab], [true, 'noatime', '/etc/fstab']);
    assert.match(await read('/etc/fstab'), /\nLABEL=data \/srv\/data ext4 noatime 0 2\n$/);
    assert.ok((await stat(inTree('/srv/data'))).isDirectory());
    assert.equal((await run(mountModule, args)).changed, false);
    assert.equal((await run(mountModule, { path: '/srv/data', state: 'unmounted' })).changed, false);
    const absent = await run(mountModule, { path: '/srv/data', state: 'absent' });
    assert.equal(absent.changed, true);
    assert.doesNotMatch(await read('/etc/fstab'), /srv\/data/);
    const ephemeral = await run(mountModule, { ...args, state: 'ephemeral' });
    assert.match(String(ephemeral.msg), /image tree/);
  });

  test('cron writes a user crontab owned by the user with mode 0600, and a cron.d file removed when emptied', async () => {
    const setup = await connection.exec('groupadd -r crontab && mkdir -p /var/spool/cron/crontabs && useradd -m alice');
    assert.equal(setup.rc, 0, setup.stderr.toString());
    const args = { name: 'nightly', user: 'alice', minute: '0', hour: '3', job: '/usr/local/bin/backup' };
    const first = await run(cronModule, args, { diff: true });
    assert.deepEqual([first.changed, first['jobs']], [true, ['nightly']]);
    const crontab = await read('/var/spool/cron/crontabs/alice');
    assert.match(crontab, /^# DO NOT EDIT THIS FILE[^]*\n#Ansible: nightly\n0 3 \* \* \* \/usr\/local\/bin\/backup\n$/);
    const owner = await connection.exec("stat -c '%U %G %a' /var/spool/cron/crontabs/alice");
    assert.equal(owner.stdout.toString().trim(), 'alice crontab 600');
    assert.equal((await run(cronModule, args)).changed, false);
    const cronFile = { name: 'tidy', user: 'root', cron_file: 'pt-tidy', special_time: 'daily', job: 'tidy' };
    assert.equal((await run(cronModule, cronFile)).changed, true);
    assert.equal(await read('/etc/cron.d/pt-tidy'), '#Ansible: tidy\n@daily root tidy\n');
    assert.equal((await run(cronModule, { name: 'tidy', cron_file: 'pt-tidy', state: 'absent' })).changed, true);
    await assert.rejects(stat(inTree('/etc/cron.d/pt-tidy')));
  });

  test('authorized_key finds the home in the tree passwd, makes .ssh 0700 and the file 0600, owned by the user', async () => {
    await connection.exec('id bob || useradd -m bob');
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBob bob@laptop\nssh-rsa AAAAB3NzaC1yc2EBob2 bob@old';
    const first = await run(authorizedKeyModule, { user: 'bob', key, comment: 'managed' });
    assert.deepEqual([first.changed, first['keyfile']], [true, '/home/bob/.ssh/authorized_keys']);
    assert.equal(await read('/home/bob/.ssh/authorized_keys'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBob managed\nssh-rsa AAAAB3NzaC1yc2EBob2 managed\n');
    const modes = await connection.exec("stat -c '%U %a' /home/bob/.ssh /home/bob/.ssh/authorized_keys");
    assert.equal(modes.stdout.toString(), 'bob 700\nbob 600\n');
    assert.equal((await run(authorizedKeyModule, { user: 'bob', key, comment: 'managed' })).changed, false);
    const missing = await run(authorizedKeyModule, { user: 'nobody-here', key });
    assert.match(String(missing.msg), /Failed to lookup user nobody-here/);
  });

  test('pam_limits, kernel_blacklist and modprobe write their files in the tree and report changed=false the second time', async () => {
    const limit = { domain: '@users', limit_type: 'hard', limit_item: 'nofile', value: '65536' };
    assert.equal((await run(pamLimitsModule, limit)).changed, true);
    assert.match(await read('/etc/security/limits.conf'), /\n@users\thard\tnofile\t65536\n$/);
    assert.equal((await run(pamLimitsModule, limit)).changed, false);
    assert.equal((await run(kernelBlacklistModule, { name: 'pcspkr' })).changed, true);
    assert.equal(await read('/etc/modprobe.d/blacklist-ansible.conf'), 'blacklist pcspkr\n');
    assert.equal((await run(kernelBlacklistModule, { name: 'pcspkr' })).changed, false);
    const probe = { name: 'dummy', params: 'numdummies=2', persistent: 'present' };
    assert.equal((await run(modprobeModule, probe)).changed, true);
    assert.deepEqual([await read('/etc/modules-load.d/dummy.conf'), await read('/etc/modprobe.d/dummy.conf')], ['dummy\n', 'options dummy numdummies=2\n']);
    assert.equal((await run(modprobeModule, probe)).changed, false);
    assert.match(String(((await run(modprobeModule, { name: 'dummy' }))['warnings'] as string[])[0]), /nothing loaded/);
  });

  test('known_hosts adds a hashed host key to root home in the tree, once', async () => {
    const args = { name: 'git.example', key: 'git.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHost', hash_host: true };
    assert.equal((await run(knownHostsModule, args)).changed, true);
    assert.match(await read('/root/.ssh/known_hosts'), /^\|1\|[^|]+\|[^ ]+ ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHost\n$/);
    assert.equal((await run(knownHostsModule, args)).changed, false);
    assert.equal((await run(knownHostsModule, { name: 'git.example', state: 'absent' })).changed, true);
    assert.equal(await read('/root/.ssh/known_hosts'), '');
  });

  test('alternatives installs and selects through the tree update-alternatives, then changes nothing', async () => {
    const args = { name: 'pt-editor', link: '/usr/bin/pt-editor', path: '/bin/true', priority: 10 };
    const first = await run(alternativesModule, args);
    assert.deepEqual([first.changed, first.msg], [true, "Install alternative '/bin/true' for 'pt-editor'. Set alternative '/bin/true' for 'pt-editor'."]);
    assert.equal(await readlink(inTree('/etc/alternatives/pt-editor')), '/bin/true');
    assert.equal((await run(alternativesModule, args)).changed, false);
    assert.equal((await run(alternativesModule, { name: 'pt-editor', path: '/bin/true', state: 'absent' })).changed, true);
  });

  test('timezone links /etc/localtime and writes /etc/timezone in the tree, its result always holds the diff; getent reads the tree passwd', async () => {
    const result = await run(timezoneModule, { name: 'Europe/Berlin' }, { diff: true });
    assert.deepEqual([result.changed, result.diff], [true, { before: { name: 'Etc/UTC' }, after: { name: 'Europe/Berlin' } }]);
    assert.equal(await readlink(inTree('/etc/localtime')), '/usr/share/zoneinfo/Europe/Berlin');
    assert.equal(await read('/etc/timezone'), 'Europe/Berlin\n');
    const again = await run(timezoneModule, { name: 'Europe/Berlin' });
    assert.deepEqual([again.changed, again.diff], [false, { before: { name: 'Europe/Berlin' }, after: { name: 'Europe/Berlin' } }]);
    assert.match(String((await run(timezoneModule, { name: 'Mars/Olympus' })).msg), /install the tzdata package/);
    const getent = await run(getentModule, { database: 'passwd', key: 'root' });
    assert.deepEqual((getent.ansible_facts as Record<string, unknown>)['getent_passwd'], { root: ['x', '0', '0', 'root', '/root', '/bin/bash'] });
    const missing = await run(getentModule, { database: 'passwd', key: 'nobody-here' });
    assert.deepEqual([missing.failed, missing.msg], [true, 'One or more supplied key could not be found in the database.']);
  });

  test('stat in a tree without file(1): guessed mimetype and charset, lsattr attributes, pw_name from the tree', async () => {
    await writeFile(inTree('/etc/pt-utf8'), 'grüß\n');
    const file = (await run(statModule, { path: '/etc/pt-utf8', checksum_algorithm: 'sha256' })).stat as Record<string, unknown>;
    assert.deepEqual([file['mimetype'], file['charset'], file['pw_name'], file['mode']], ['text/plain', 'utf-8', 'root', '0644']);
    assert.equal(file['checksum'], '97279b60fe0e66b13d24b5ac02c58f383933b16d5a0dba9e1db074d33ec6eb99');
    assert.ok(Array.isArray(file['attributes']));
    const dir = (await run(statModule, { path: '/etc' })).stat as Record<string, unknown>;
    assert.deepEqual([dir['isdir'], dir['mimetype'], dir['charset']], [true, 'inode/directory', 'binary']);
  });
});

test('getent facts are variables by their own name and under ansible_facts, as ansible-playbook gives them', async () => {
  const run = await runWithFiles(
    {
      'h.ini': 'localhost ansible_connection=local\n',
      'play.yml': `- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.getent: { database: passwd, key: root }
    - setup: { filter: ansible_os_family }
    - debug: msg="{{ getent_passwd.root[1] }} {{ ansible_facts.getent_passwd.root[4] }} {{ ansible_os_family is defined }} {{ os_family is defined }}"
`,
    },
    ['-i', 'h.ini', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /"msg": "0 \/root True False"/);
});
