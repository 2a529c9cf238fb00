import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { NspawnConnection } from '../connections/nspawn.js';
import { aptModule } from '../modules/apt.js';
import { gitModule } from '../modules/git.js';
import { pipModule } from '../modules/pip.js';
import { sebooleanModule } from '../modules/seboolean.js';
import { sefcontextModule } from '../modules/sefcontext.js';
import { selinuxModule } from '../modules/selinux.js';
import { ufwModule } from '../modules/ufw.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { runModuleOn } from './support/treeModuleRun.js';

/**
 * git, pip, ufw and selinux in one copy of the Debian test tree through nspawn, with the tree's own git and python: first
 * as the tree comes (neither installed: both fail saying what to install), then with git and python3-venv
 * installed by apt. git clones a bare repository made on the controller and copied into the tree
 * (file:// URL, no network); pip works in a venv with the wheels Debian ships (--no-index, no network); ufw
 * rules land in the tree's rule files and never in the live firewall the tree shares with the controller.
 */

const skip = realTreeSkipReason();
const execute = promisify(execFile);

describe('git, pip, ufw and selinux in a Debian tree through nspawn', { skip }, () => {
  let tree = '';
  let scratch = '';
  let remove = async () => {};
  let connection: NspawnConnection;
  const shas: Record<string, string> = {};
  const run = (module: Parameters<typeof runModuleOn>[1], args: Record<string, unknown>, options: Parameters<typeof runModuleOn>[3] = {}) =>
    runModuleOn(connection, module, args, options);
  const inTree = (path: string) => join(tree, path);
  const hostGit = async (cwd: string, ...args: string[]) =>
    (await execute('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd })).stdout.trim();
  const treeSh = async (command: string) => (await connection.exec(command)).stdout.toString().trim();

  before(async () => {
    ({ tree, scratch, remove } = await copyTestTree());
    const work = join(scratch, 'work');
    await execute('mkdir', ['-p', work]);
    await hostGit(work, 'init', '-q');
    await writeFile(join(work, 'app.txt'), 'one\n');
    await hostGit(work, 'add', 'app.txt');
    await hostGit(work, 'commit', '-qm', 'one');
    await hostGit(work, 'tag', '-a', 'v1', '-m', 'v1');
    shas['v1'] = await hostGit(work, 'rev-parse', 'HEAD');
    await writeFile(join(work, 'app.txt'), 'two\n');
    await hostGit(work, 'commit', '-qam', 'two');
    await hostGit(work, 'branch', 'dev');
    shas['main'] = await hostGit(work, 'rev-parse', 'HEAD');
    await hostGit(scratch, 'clone', '-q', '--bare', work, inTree('srv/app.git'));
    connection = new NspawnConnection({ host: tree, vars: {}, config: {}, log: () => {} });
    await connection.open();
  });
  after(async () => {
    await connection?.close();
    await remove();
  });

  test('without git, pip or ufw in the tree, each fails naming what to install', async () => {
    assert.equal((await run(ufwModule, { rule: 'allow', port: '22' })).msg, 'ufw is not installed in the target: install the ufw package first (apt: name=ufw)');
    assert.equal((await run(gitModule, { repo: 'file:///srv/app.git', dest: '/opt/app' })).msg, 'git (git) is not installed in the target: install the git package first (apt: name=git)');
    assert.equal((await run(pipModule, { name: 'six' })).msg, 'pip3 is not installed in the target: install python3-pip first');
    assert.equal((await run(pipModule, { name: 'six', virtualenv: '/opt/venv', virtualenv_command: 'python3 -m venv' })).msg, 'python3 is not installed in the target: install python3 (and python3-venv for -m venv) first');
  });

  test('selinux: disabled is already true without SELinux, enforcing fails saying what to install; absent booleans and contexts are fine', async () => {
    const disabled = await run(selinuxModule, { state: 'disabled' });
    assert.deepEqual([disabled.failed, disabled.changed], [undefined, false]);
    assert.match(String(disabled.msg), /^SELinux is not installed in the target/);
    assert.match(String((await run(selinuxModule, { state: 'enforcing', policy: 'default' })).msg), /install selinux-basics and selinux-policy-default first$/);
    assert.equal((await run(sebooleanModule, { name: 'httpd_can_network_connect', state: false })).changed, false);
    assert.equal((await run(sebooleanModule, { name: 'httpd_can_network_connect', state: true })).failed, true);
    assert.equal((await run(sefcontextModule, { target: '/srv/www(/.*)?', setype: 'httpd_sys_content_t', state: 'absent' })).changed, false);
  });

  test('selinux writes the config file of a tree that has one; again ok', async () => {
    await execute('mkdir', ['-p', inTree('etc/selinux')]);
    await writeFile(inTree('etc/selinux/config'), '# made by a test\nSELINUX=disabled\nSELINUXTYPE=default\n');
    const first = await run(selinuxModule, { state: 'permissive' });
    assert.deepEqual([first.changed, first['reboot_required'], first['policy']], [true, true, 'default']);
    assert.equal(await readFile(inTree('etc/selinux/config'), 'utf8'), '# made by a test\nSELINUX=permissive\nSELINUXTYPE=default\n');
    assert.equal((await run(selinuxModule, { state: 'permissive' })).changed, false);
    await execute('rm', ['-r', inTree('etc/selinux')]);
  });

  describe('with git, python3-venv and ufw installed', () => {
    before(async () => {
      const install = await run(aptModule, { name: ['git', 'python3-venv', 'ufw'], update_cache: true, install_recommends: false });
      assert.equal(install.failed, undefined, String(install.msg));
    });

    test('check mode clones nothing; a clone checks out the remote HEAD; again ok in one round trip', async () => {
      const dry = await run(gitModule, { repo: 'file:///srv/app.git', dest: '/opt/app' }, { check: true });
      assert.deepEqual([dry.changed, dry['after'], existsSync(inTree('opt/app'))], [true, shas['main'], false]);
      const first = await run(gitModule, { repo: 'file:///srv/app.git', dest: '/opt/app' });
      assert.equal(first.failed, undefined, String(first.msg));
      assert.deepEqual([first.changed, first['before'], first['after']], [true, null, shas['main']]);
      assert.equal(await readFile(inTree('opt/app/app.txt'), 'utf8'), 'two\n');
      const again = await run(gitModule, { repo: 'file:///srv/app.git', dest: '/opt/app' });
      assert.deepEqual([again.changed, again['after'], again.roundTrips], [false, shas['main'], 1]);
    });
    test('version: a tag checks it out; back to a branch', async () => {
      const tag = await run(gitModule, { repo: 'file:///srv/app.git', dest: '/opt/app', version: 'v1' });
      assert.deepEqual([tag.changed, tag['before'], tag['after']], [true, shas['main'], shas['v1']]);
      assert.equal(await readFile(inTree('opt/app/app.txt'), 'utf8'), 'one\n');
      const branch = await run(gitModule, { repo: 'file:///srv/app.git', dest: '/opt/app', version: 'dev' });
      assert.deepEqual([branch.changed, branch['after']], [true, shas['main']]);
      assert.equal(await treeSh('git -C /opt/app rev-parse --abbrev-ref HEAD'), 'dev');
    });
    test('local changes fail without force, are reset with it; update: false leaves the checkout', async () => {
      await writeFile(inTree('opt/app/app.txt'), 'mine\n');
      assert.equal((await run(gitModule, { repo: 'file:///srv/app.git', dest: '/opt/app', version: 'dev' })).msg, 'Local modifications exist in the destination: /opt/app (force=no).');
      const kept = await run(gitModule, { repo: 'file:///srv/app.git', dest: '/opt/app', version: 'v1', update: false });
      assert.deepEqual([kept.changed, kept['after']], [false, shas['main']]);
      const forced = await run(gitModule, { repo: 'file:///srv/app.git', dest: '/opt/app', version: 'dev', force: true });
      assert.equal(forced.changed, true);
      assert.equal(await readFile(inTree('opt/app/app.txt'), 'utf8'), 'two\n');
    });
    test('depth with single_branch clones one commit of the branch; bare clones a bare repository', async () => {
      const shallow = await run(gitModule, { repo: 'file:///srv/app.git', dest: '/opt/shallow', version: 'dev', depth: 1, single_branch: true });
      assert.equal(shallow.changed, true, String(shallow.msg));
      assert.equal(await treeSh('git -C /opt/shallow rev-list --count HEAD'), '1');
      const bare = await run(gitModule, { repo: 'file:///srv/app.git', dest: '/opt/bare.git', bare: true });
      assert.equal(bare.changed, true, String(bare.msg));
      assert.ok(existsSync(inTree('opt/bare.git/HEAD')) && !existsSync(inTree('opt/bare.git/.git')));
      assert.equal((await run(gitModule, { repo: 'file:///srv/app.git', dest: '/opt/bare.git', bare: true })).changed, false);
    });
    test('an unknown version fails naming it', async () => {
      assert.equal((await run(gitModule, { repo: 'file:///srv/app.git', dest: '/opt/app', version: 'nope' })).msg, 'Cannot find version nope in repository file:///srv/app.git');
    });

    const venv = { virtualenv: '/opt/venv', virtualenv_command: 'python3 -m venv', extra_args: '--no-index --find-links /usr/share/python-wheels' };
    test('pip makes the virtualenv and installs into it with its pip; again ok', async () => {
      const removed = await run(pipModule, { name: ['setuptools'], state: 'absent', virtualenv: venv.virtualenv, virtualenv_command: venv.virtualenv_command });
      assert.equal(removed.failed, undefined, String(removed.msg) + String(removed.stderr));
      assert.equal(removed.changed, true);
      assert.ok(existsSync(inTree('opt/venv/bin/activate')));
      const dry = await run(pipModule, { name: ['setuptools'], virtualenv: venv.virtualenv }, { check: true });
      assert.equal(dry.changed, true);
      const installed = await run(pipModule, { name: ['setuptools'], ...venv });
      assert.equal(installed.changed, true, String(installed.msg));
      assert.match(await treeSh('/opt/venv/bin/pip list --format=freeze'), /^setuptools==/m);
      assert.equal((await run(pipModule, { name: ['setuptools'], ...venv })).changed, false);
      assert.equal((await run(pipModule, { name: ['setuptools'], virtualenv: venv.virtualenv }, { check: true })).changed, false);
    });
    test('pip with a failing install reports pip\'s error', async () => {
      const result = await run(pipModule, { name: ['no-such-package-xyz'], ...venv });
      assert.equal(result.failed, true);
      assert.match(String(result.msg), /^pip failed \(rc 1\): .*No matching distribution found for no-such-package-xyz/s);
    });

    const userRules = () => readFile(inTree('etc/ufw/user.rules'), 'utf8');
    const liveFirewall = async () => (await connection.exec('iptables -S; ip6tables -S')).stdout.toString();
    test('ufw writes a rule into the tree\'s rule files, never the live firewall; again ok', async () => {
      const first = await run(ufwModule, { rule: 'allow', port: '22', proto: 'tcp', comment: 'ssh' });
      assert.equal(first.failed, undefined, String(first.msg));
      assert.equal(first.changed, true);
      assert.match(await userRules(), /^### tuple ### allow tcp 22 0\.0\.0\.0\/0 any 0\.0\.0\.0\/0 in comment=737368$/m);
      assert.equal((await run(ufwModule, { rule: 'allow', port: '22', proto: 'tcp', comment: 'ssh' })).changed, false);
    });
    test('ufw state enabled only sets ENABLED=yes; rules and defaults added then stay out of the live firewall', async () => {
      const enabled = await run(ufwModule, { state: 'enabled', default: 'deny', direction: 'incoming' });
      assert.equal(enabled.changed, true, String(enabled.msg));
      assert.match(await readFile(inTree('etc/ufw/ufw.conf'), 'utf8'), /^ENABLED=yes$/m);
      assert.match(await readFile(inTree('etc/default/ufw'), 'utf8'), /^DEFAULT_INPUT_POLICY="DROP"$/m);
      const rule = await run(ufwModule, { rule: 'limit', port: '2222', proto: 'tcp' });
      assert.equal(rule.changed, true, String(rule.msg));
      assert.match(await userRules(), /^### tuple ### limit tcp 2222 /m);
      assert.match(await readFile(inTree('etc/ufw/ufw.conf'), 'utf8'), /^ENABLED=yes$/m);
      assert.doesNotMatch(await liveFirewall(), /ufw/);
      assert.equal((await run(ufwModule, { state: 'enabled' })).changed, false);
      const deleted = await run(ufwModule, { rule: 'limit', port: '2222', proto: 'tcp', delete: true });
      assert.equal(deleted.changed, true);
      assert.doesNotMatch(await userRules(), /2222/);
    });
  });
});
