import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { findHeldTreeLock } from '../connections/treeLock.js';
import { realTreeSkipReason } from './support/imageTree.js';
import { EXAMPLE_PLUGINS, TREE_FIXTURES, debugMessages, recap, runPlaytree, scratchWithTrees, type PlaytreeRun } from './support/cliOnTrees.js';

/** Every precondition failure of the tree drivers, and user connection plugins, through the CLI. */

const skip = realTreeSkipReason();

/** The one-line message of `host`'s UNREACHABLE result, as ansible-playbook prints it. */
function unreachableMessage(output: string, host: string): string | undefined {
  const prefix = `fatal: [${host}]: UNREACHABLE! => `;
  const line = output.split('\n').find((l) => l.startsWith(prefix));
  if (!line) return undefined;
  const result = JSON.parse(line.slice(prefix.length)) as { msg: string; unreachable: boolean; changed: boolean };
  assert.deepEqual([result.unreachable, result.changed], [true, false]);
  return result.msg;
}

describe('hosts whose tree cannot be used are UNREACHABLE while the others go on', { skip }, () => {
  let scratch = '';
  let trees: string[] = [];
  let remove = async () => {};
  let run: PlaytreeRun;
  const expected: Array<[host: string, message: RegExp]> = [];

  before(async () => {
    ({ scratch, trees, remove } = await scratchWithTrees(2));
    const [good, locked] = trees as [string, string];
    await mkdir(join(scratch, 'not-an-os/etc'), { recursive: true });
    await writeFile(join(scratch, 'a-file'), 'not a tree\n');
    const hosts: Array<[string, string, RegExp]> = [
      ['good', `ansible_host=${good} ansible_connection=nspawn`, /^$/],
      ['missing', `ansible_host=${scratch}/nope ansible_connection=nspawn`, /^missing: tree \S+\/nope does not exist; build it first/],
      ['missing_chroot', `ansible_host=${scratch}/nope ansible_connection=chroot`, /^missing_chroot: tree \S+\/nope does not exist; /],
      ['not_a_folder', `ansible_host=${scratch}/a-file ansible_connection=nspawn`, /^not_a_folder: tree \S+\/a-file is not a folder; point ansible_host at the root folder/],
      ['no_os_release', `ansible_host=${scratch}/not-an-os ansible_connection=chroot`, /^no_os_release: \S+\/not-an-os is not an OS tree \(neither etc\/os-release nor usr\/lib\/os-release in it\)/],
      ['no_shell', `ansible_host=${good} ansible_connection=nspawn ansible_executable=/bin/zsh`, /^no_shell: ansible_executable \/bin\/zsh is not an executable file inside \S+; install it in the tree or set ansible_executable/],
      ['relative_shell', `ansible_host=${good} ansible_connection=chroot ansible_executable=bash`, /^relative_shell: ansible_executable 'bash' must be an absolute path inside the tree/],
      ['locked', `ansible_host=${locked} ansible_connection=nspawn`, /^locked: tree \S+ is in use by another container \(lock \S+ is held\); stop that container/],
    ];
    await writeFile(join(scratch, 'hosts.ini'), `[trees]\n${hosts.map(([name, vars]) => `${name} ${vars}`).join('\n')}\n`);
    expected.push(...hosts.filter(([name]) => name !== 'good').map(([name, , message]) => [name, message] as [string, RegExp]));

    // Another systemd-nspawn holds the second tree for the whole run.
    const holder = spawn('systemd-nspawn', ['-D', locked, '-q', '--register=no', '--keep-unit', '--pipe', '--', '/bin/sleep', '120'], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 200 && (await findHeldTreeLock(locked)) === undefined; i++) await sleep(50);
      assert.notEqual(await findHeldTreeLock(locked), undefined, 'the holding container did not start');
      run = await runPlaytree(scratch, ['-i', 'hosts.ini', join(TREE_FIXTURES, 'preconditions.yml')]);
    } finally {
      holder.kill('SIGTERM');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
  });
  after(async () => remove());

  test('the run exits with code 4 (a host unreachable)', () => {
    assert.equal(run.code, 4, run.stdout + run.stderr);
  });

  test('each broken host gets one UNREACHABLE line saying what is wrong and what to do', () => {
    for (const [host, message] of expected) {
      const msg = unreachableMessage(run.stdout, host);
      assert.ok(msg !== undefined, `no UNREACHABLE line for ${host} in:\n${run.stdout}`);
      assert.match(msg, message, host);
      assert.ok(!msg.includes('\n'), `${host}: message must be one line`);
      assert.deepEqual([recap(run.stdout, host)['unreachable'], recap(run.stdout, host)['ok']], [1, 0], host);
    }
  });

  test('the good host runs every task', () => {
    assert.equal(unreachableMessage(run.stdout, 'good'), undefined);
    assert.ok(debugMessages(run.stdout).includes('good went on'));
    assert.deepEqual([recap(run.stdout, 'good')['ok'], recap(run.stdout, 'good')['unreachable']], [2, 0]);
  });
});

describe('a tree driver run by a user other than root', { skip }, () => {
  let folder = '';
  before(async () => {
    // Readable by nobody: the scratch trees live in 0700 folders.
    folder = await mkdtemp('/tmp/playtree-trees-e2e-nonroot-');
    await chmod(folder, 0o755);
    await writeFile(join(folder, 'hosts.ini'), '[trees]\n/var/tmp/any-tree ansible_connection=nspawn\nchroot_tree ansible_host=/var/tmp/any-tree ansible_connection=chroot\n');
    await writeFile(join(folder, 'ansible.cfg'), '');
    await chmod(join(folder, 'hosts.ini'), 0o644);
    await chmod(join(folder, 'ansible.cfg'), 0o644);
  });
  after(async () => rm(folder, { recursive: true, force: true }));

  test('nspawn and chroot report UNREACHABLE: the connection needs root', async () => {
    const run = await runAsNobody(folder, ['-i', 'hosts.ini', join(TREE_FIXTURES, 'preconditions.yml')]);
    assert.equal(run.code, 4, run.stdout + run.stderr);
    assert.match(unreachableMessage(run.stdout, '/var/tmp/any-tree') ?? '', /^\/var\/tmp\/any-tree: the nspawn connection needs root \(running as uid 65534\); run playtree as root/);
    assert.match(unreachableMessage(run.stdout, 'chroot_tree') ?? '', /^chroot_tree: the chroot connection needs root \(running as uid 65534\)/);
  });
});

/** playtree as uid/gid 65534 (nobody), through setpriv from util-linux. */
function runAsNobody(cwd: string, args: string[]): Promise<PlaytreeRun> {
  return new Promise((resolve) => {
    const child = spawn(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, new URL('../../bin/playtree.js', import.meta.url).pathname, ...args],
      { cwd, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: cwd, ANSIBLE_CONFIG: join(cwd, 'ansible.cfg'), PLAYTREE_NO_LIVE: '1' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (code) => resolve({ code: code ?? 250, stdout, stderr }));
  });
}

describe('user connection plugins beside the playbook', { skip }, () => {
  let folder = '';
  before(async () => {
    folder = await mkdtemp('/tmp/playtree-trees-e2e-plugin-');
  });
  after(async () => rm(folder, { recursive: true, force: true }));

  test('connection_plugins/local_logged.js beside the playbook drives ansible_connection=local_logged', async () => {
    await mkdir(join(folder, 'connection_plugins'));
    await copyFile(join(EXAMPLE_PLUGINS, 'local_logged.js'), join(folder, 'connection_plugins/local_logged.js'));
    await copyFile(join(TREE_FIXTURES, 'plugin.yml'), join(folder, 'plugin.yml'));
    await mkdir(join(folder, 'files/tree'), { recursive: true });
    await writeFile(join(folder, 'files/tree/one.txt'), 'one\n');
    const log = join(folder, 'commands.log');
    await writeFile(join(folder, 'hosts.ini'), `logged ansible_connection=local_logged local_logged_file=${log}\n`);
    const run = await runPlaytree(folder, ['-i', 'hosts.ini', '-e', `out_dir=${folder}`, 'plugin.yml']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(debugMessages(run.stdout).includes('through the plugin'));
    assert.equal(await readFile(join(folder, 'fetched.txt'), 'utf8'), 'put by the plugin\n');
    const logged = await readFile(log, 'utf8');
    assert.match(logged, /^\S+ logged open$/m);
    assert.match(logged, /^\S+ logged exec ".*echo through the plugin.*"$/m);
    // copy of a folder writes each file as a single copy does: its content streams into one exec of the
    // plugin that fills a temporary file beside it and renames it.
    assert.match(logged, new RegExp(`^\\S+ logged exec ".*${folder}/copied/\\.one\\.txt\\.playtree-[0-9a-f]+.*"$`, 'm'));
    assert.equal(await readFile(join(folder, 'copied/one.txt'), 'utf8'), 'one\n');
    assert.match(logged, new RegExp(`^\\S+ logged fetch ${folder}/put\\.txt$`, 'm'));
  });

  test('a plugin that does not load stops playtree with one line naming the file', async () => {
    await writeFile(join(folder, 'hosts.ini'), 'h ansible_connection=broken\n');
    const run = await runPlaytree(folder, ['-i', 'hosts.ini', join(TREE_FIXTURES, 'broken-plugin/play.yml')]);
    assert.notEqual(run.code, 0);
    assert.equal(run.stdout, '');
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, /^ERROR! connection plugin \S+\/broken-plugin\/connection_plugins\/broken\.js failed to load: .+; fix the file or remove it$/);
  });

  test('a plugin whose connection lacks methods makes the host UNREACHABLE, naming them', async () => {
    await writeFile(join(folder, 'hosts.ini'), 'h ansible_connection=partial\n');
    const run = await runPlaytree(folder, ['-i', 'hosts.ini', join(TREE_FIXTURES, 'partial-plugin/play.yml')]);
    assert.equal(run.code, 4, run.stdout + run.stderr);
    assert.match(unreachableMessage(run.stdout, 'h') ?? '', /partial\.js: its connection does not implement put\(\), fetch\(\), close\(\); add the missing method/);
  });
});
