import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { findHeldTreeLock } from '../connections/treeLock.js';
import { realTreeSkipReason } from './support/imageTree.js';
import { EXAMPLE_PLUGINS, recap, runPlaytree, scratchWithTrees, type PlaytreeRun } from './support/cliOnTrees.js';
import { markerExists, sha256Of, startPlaytree, transferUnderWay, waitFor } from './reliability/interruptedRun.js';
import { sshdMissing, startSshd, type TestSshd } from './support/sshd.js';

/*
 * playtree_via: chroot and nspawn trees on a build host reached through another inventory host's connection.
 * The carrier here is the local connection (and a plugin wrapping it that logs every command), so the build
 * host is this machine, but every build-host command goes through the carrier's exec, put and fetch.
 */

const skip = realTreeSkipReason();

const PLAY = `- hosts: trees
  gather_facts: false
  tasks:
    - command: cat /etc/debian_version
      register: version
      changed_when: false
    - file: path=/srv/via state=directory mode=0755
    - copy: src=blob.bin dest=/srv/via/blob.bin mode=0640
    - copy: src=folder/ dest=/srv/via/folder/
    - template: src=hello.j2 dest=/srv/via/hello.txt
    - fetch: src=/srv/via/blob.bin dest=fetched/{{ inventory_hostname }}.bin flat=true
`;

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

/** The run lock file a tree would have on this machine (/run/playtree/locks/tree-DEV:INO). */
async function lockFileOf(tree: string): Promise<string> {
  const info = await stat(tree);
  return `/run/playtree/locks/tree-${info.dev}:${info.ino}`;
}

/** The pids of processes whose command line (NUL-separated) contains `text`. */
async function processesRunning(text: string): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const found: string[] = [];
  for (const pid of pids) {
    const line = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (line.includes(text)) found.push(pid);
  }
  return found;
}

/** A scratch folder for playtree: the play, a 3 MB binary file, a template, and TMPDIR for the build host. */
async function writeWork(scratch: string, inventory: string): Promise<string> {
  await writeFile(join(scratch, 'hosts.ini'), inventory);
  await writeFile(join(scratch, 'play.yml'), PLAY);
  await writeFile(join(scratch, 'blob.bin'), randomBytes(3 * 1024 * 1024));
  // A folder's files go through the connection's put (a single file through the copy module's own command).
  await mkdir(join(scratch, 'folder'));
  await writeFile(join(scratch, 'folder/inner.bin'), randomBytes(1024 * 1024));
  await writeFile(join(scratch, 'hello.j2'), 'hello from {{ inventory_hostname }}\n');
  const tmp = join(scratch, 'buildhost-tmp');
  await mkdir(tmp);
  return tmp;
}

describe('chroot and nspawn trees through playtree_via with the local connection as carrier', { skip }, () => {
  let scratch = '';
  let trees: string[] = [];
  let tmp = '';
  let remove = async () => {};
  let first: PlaytreeRun;
  let second: PlaytreeRun;
  const HOSTS = ['chrooted', 'nspawned'];

  before(async () => {
    ({ scratch, trees, remove } = await scratchWithTrees(2));
    tmp = await writeWork(
      scratch,
      `[builders]\nbuilder ansible_connection=local\n[trees]\n` +
        `chrooted ansible_host=${trees[0]} ansible_connection=chroot playtree_via=builder\n` +
        `nspawned ansible_host=${trees[1]} ansible_connection=nspawn playtree_via=builder\n`,
    );
    first = await runPlaytree(scratch, ['-v', '-f', '2', '-i', 'hosts.ini', 'play.yml'], { TMPDIR: tmp });
    second = await runPlaytree(scratch, ['-f', '2', '-i', 'hosts.ini', 'play.yml'], { TMPDIR: tmp });
  });
  after(async () => remove());

  test('command, file, copy, template and fetch run on both trees with -f 2, and reach the trees', async () => {
    assert.equal(first.code, 0, first.stdout + first.stderr);
    for (const [index, host] of HOSTS.entries()) {
      assert.deepEqual([recap(first.stdout, host)['ok'], recap(first.stdout, host)['changed']], [6, 5], host);
      assert.equal(await readFile(join(trees[index]!, 'srv/via/hello.txt'), 'utf8'), `hello from ${host}\n`);
      assert.equal(((await stat(join(trees[index]!, 'srv/via/blob.bin'))).mode & 0o777).toString(8), '640');
    }
  });

  test('a second run through playtree_via changes nothing', () => {
    assert.equal(second.code, 0, second.stdout + second.stderr);
    for (const host of HOSTS) assert.equal(recap(second.stdout, host)['changed'], 0, host);
  });

  test('the binary files keep their sha256 into each tree (streamed command and put) and back (fetch)', async () => {
    const sent = await sha256(join(scratch, 'blob.bin'));
    for (const [index, host] of HOSTS.entries()) {
      assert.equal(await sha256(join(trees[index]!, 'srv/via/blob.bin')), sent, `${host}: in the tree`);
      assert.equal(await sha256(join(trees[index]!, 'srv/via/folder/inner.bin')), await sha256(join(scratch, 'folder/inner.bin')), `${host}: put`);
      assert.equal(await sha256(join(scratch, 'fetched', `${host}.bin`)), sent, `${host}: fetched back`);
    }
  });

  test('persistent nspawn through playtree_via runs one container per command, saying so at -v', () => {
    assert.match(first.stdout, /<nspawned> the tree is on build host builder \(playtree_via\): one container per command/);
  });

  test('the build host keeps no temporary folder and no lock file after the runs', async () => {
    assert.deepEqual(await readdir(tmp), []);
    for (const tree of trees) assert.equal(existsSync(await lockFileOf(tree)), false);
  });
});

describe('chroot and nspawn trees on a build host reached over ssh', { skip: skip ?? sshdMissing() }, () => {
  let sshd: TestSshd;
  let scratch = '';
  let trees: string[] = [];
  let remove = async () => {};
  let first: PlaytreeRun;
  let second: PlaytreeRun;
  const HOSTS = ['chrooted', 'nspawned'];

  before(async () => {
    sshd = await startSshd();
    ({ scratch, trees, remove } = await scratchWithTrees(2));
    const builder = Object.entries(sshd.hostVars()).map(([key, value]) => `${key}='${value}'`).join(' ');
    await writeWork(
      scratch,
      `[builders]\nbuild1 ${builder}\n[trees]\n` +
        `chrooted ansible_host=${trees[0]} ansible_connection=chroot playtree_via=build1\n` +
        `nspawned ansible_host=${trees[1]} ansible_connection=nspawn ansible_nspawn_persistent=false playtree_via=build1\n`,
    );
    const env = { ANSIBLE_SSH_CONTROL_PATH_DIR: join(scratch, 'cp') };
    first = await runPlaytree(scratch, ['-f', '2', '-i', 'hosts.ini', 'play.yml'], env);
    second = await runPlaytree(scratch, ['-f', '2', '-i', 'hosts.ini', 'play.yml'], env);
  });
  after(async () => {
    await sshd?.stop();
    await remove();
  });

  test('the play changes both trees over ssh, a second run changes nothing, the files keep their sha256', async () => {
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    const sent = await sha256(join(scratch, 'blob.bin'));
    for (const [index, host] of HOSTS.entries()) {
      assert.deepEqual([recap(first.stdout, host)['changed'], recap(second.stdout, host)['changed']], [5, 0], host);
      assert.equal(await sha256(join(trees[index]!, 'srv/via/blob.bin')), sent, `${host}: in the tree`);
      assert.equal(await sha256(join(scratch, 'fetched', `${host}.bin`)), sent, `${host}: fetched back`);
    }
    // sshd's sessions have no TMPDIR: the build host's temporary folders were /tmp/playtree-via.*.
    assert.deepEqual((await readdir('/tmp')).filter((name) => name.startsWith('playtree-via.')), [], 'no temporary folder left');
    for (const tree of trees) assert.equal(existsSync(await lockFileOf(tree)), false, 'no lock file left');
  });

  test('SIGTERM during a long command on the ssh build host: exit 99, the command stopped there, no lock or temporary folder left', async () => {
    await writeFile(join(scratch, 'long.yml'), '- hosts: chrooted\n  gather_facts: false\n  tasks:\n    - shell: touch /root/started; sleep 654; touch /root/after\n');
    const run = startPlaytree(scratch, ['-i', 'hosts.ini', 'long.yml']);
    await waitFor(run, 'the command started', () => markerExists(join(trees[0]!, 'root/started')));
    process.kill(run.pid, 'SIGTERM');
    const exit = await run.exited;
    assert.equal(exit.code, 99, exit.stdout + exit.stderr);
    assert.deepEqual(await processesRunning('sleep\u0000654'), [], 'the command was stopped on the build host');
    assert.equal(existsSync(join(trees[0]!, 'root/after')), false, 'the interrupted command did not go on');
    assert.equal(existsSync(await lockFileOf(trees[0]!)), false, 'no lock file');
    assert.deepEqual((await readdir('/tmp')).filter((name) => name.startsWith('playtree-via.')), [], 'no temporary folder left');
  });
});

describe('a connection plugin as playtree_via carrier', { skip }, () => {
  let scratch = '';
  let trees: string[] = [];
  let remove = async () => {};
  let run: PlaytreeRun;
  let log = '';

  before(async () => {
    ({ scratch, trees, remove } = await scratchWithTrees(1));
    const tmp = await writeWork(
      scratch,
      `[builders]\nbuilder ansible_connection=local_logged local_logged_file=${join(scratch, 'carrier.log')}\n[trees]\n` +
        `first ansible_host=${trees[0]} ansible_connection=chroot playtree_via=builder\n` +
        `second ansible_host=${trees[0]} ansible_connection=chroot playtree_via=builder\n`,
    );
    await mkdir(join(scratch, 'connection_plugins'));
    await copyFile(join(EXAMPLE_PLUGINS, 'local_logged.js'), join(scratch, 'connection_plugins/local_logged.js'));
    run = await runPlaytree(scratch, ['-i', 'hosts.ini', '--limit', 'first', 'play.yml'], { TMPDIR: tmp });
    await writeFile(join(scratch, 'second.yml'), '- hosts: trees\n  gather_facts: false\n  tasks:\n    - command: "true"\n');
    const both = await runPlaytree(scratch, ['-i', 'hosts.ini', 'second.yml'], { TMPDIR: tmp });
    assert.equal(both.code, 0, both.stdout + both.stderr);
    log = await readFile(join(scratch, 'carrier.log'), 'utf8');
  });
  after(async () => remove());

  test('every build-host command of the play goes through the carrier', () => {
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const execs = log.split('\n').filter((line) => line.includes(' builder exec '));
    assert.ok(execs.some((line) => line.includes('flock')), 'the run lock is taken through the carrier');
    assert.ok(execs.some((line) => line.includes('playtree-put')), "the folder's copy streams through the carrier");
    assert.ok(log.includes(' builder fetch '), 'the fetch streams through the carrier');
    const chroots = execs.filter((line) => /\/chroot /.test(line) && line.includes(trees[0]!));
    // cat, file (stat, mkdir...), copy, template and fetch each run several commands in the tree.
    assert.ok(chroots.length >= 8, `chroot commands through the carrier: ${chroots.length}`);
  });

  test('SIGTERM stops a long command on the build host through the carrier, even one that does not stop its commands itself', async () => {
    // The example plugin's exec tracks nothing: only playtree's own stop, sent through it, ends the command.
    await writeFile(join(scratch, 'ansible.cfg'), '');
    await writeFile(join(scratch, 'long.yml'), '- hosts: first\n  gather_facts: false\n  tasks:\n    - shell: touch /root/started; sleep 987; touch /root/after\n');
    const run = startPlaytree(scratch, ['-i', 'hosts.ini', 'long.yml']);
    await waitFor(run, 'the command started', () => markerExists(join(trees[0]!, 'root/started')));
    process.kill(run.pid, 'SIGTERM');
    const exit = await run.exited;
    assert.equal(exit.code, 99, exit.stdout + exit.stderr);
    assert.deepEqual(await processesRunning('sleep\u0000987'), [], 'the command was stopped on the build host');
    assert.equal(existsSync(join(trees[0]!, 'root/after')), false, 'the interrupted command did not go on');
  });

  test('two trees naming one build host share one opening of its connection per run', () => {
    // Two runs: the first with one tree, the second with both trees.
    assert.equal(log.split('\n').filter((line) => line.endsWith(' builder open')).length, 2);
    assert.equal(log.split('\n').filter((line) => line.endsWith(' builder close')).length, 2);
  });
});

describe('playtree_via errors', { skip }, () => {
  test('bad build hosts and trees failing their checks on the build host are UNREACHABLE with one line each, the others go on', async () => {
    const { scratch, trees, remove } = await scratchWithTrees(2);
    const via = 'ansible_connection=chroot playtree_via=builder';
    const expected: Array<[string, string, RegExp]> = [
      ['lost', `ansible_host=${trees[0]} ansible_connection=chroot playtree_via=nosuchhost`, /^lost: cannot reach build host nosuchhost \(playtree_via\): 'nosuchhost' is not a host of the inventory/],
      ['chained', `ansible_host=${trees[0]} ansible_connection=chroot playtree_via=relay`, /^chained: cannot reach build host relay \(playtree_via\): relay names a playtree_via of its own \(builder\)/],
      ['cut', `ansible_host=${trees[0]} ansible_connection=chroot playtree_via=brokenbuilder`, /^cut: cannot reach build host brokenbuilder \(playtree_via\): brokenbuilder: tree \/nonexistent\/playtree-tree does not exist/],
      ['missing', `ansible_host=/nonexistent/via-tree ${via}`, /^missing: tree \/nonexistent\/via-tree does not exist on build host builder; build it there first/],
      ['relative', `ansible_host=relative/tree ${via}`, /^relative: ansible_host 'relative\/tree' must be an absolute path on build host builder \(playtree_via\)/],
      ['no_shell', `ansible_host=${trees[0]} ${via} ansible_executable=/bin/zsh`, /^no_shell: ansible_executable \/bin\/zsh does not run inside \S+ on build host builder/],
      ['locked', `ansible_host=${trees[1]} ansible_connection=nspawn playtree_via=builder`, /^locked: tree \S+ on build host builder is in use by another container \(lock \S+ is held\)/],
    ];
    // Another systemd-nspawn holds the second tree for the whole run.
    const holder = spawn('systemd-nspawn', ['-D', trees[1]!, '-q', '--register=no', '--keep-unit', '--pipe', '--', '/bin/sleep', '120'], { stdio: 'ignore' });
    try {
      await writeFile(
        join(scratch, 'hosts.ini'),
        `[builders]\nbuilder ansible_connection=local\nrelay ansible_connection=local playtree_via=builder\n` +
          `brokenbuilder ansible_connection=chroot ansible_host=/nonexistent/playtree-tree\n[trees]\n` +
          `fine ansible_host=${trees[0]} ${via}\n${expected.map(([name, vars]) => `${name} ${vars}`).join('\n')}\n`,
      );
      await writeFile(join(scratch, 'play.yml'), '- hosts: trees\n  gather_facts: false\n  tasks:\n    - command: "true"\n');
      for (let i = 0; i < 200 && (await findHeldTreeLock(trees[1]!)) === undefined; i++) await sleep(50);
      assert.notEqual(await findHeldTreeLock(trees[1]!), undefined, 'the holding container did not start');
      const run = await runPlaytree(scratch, ['-f', '4', '-i', 'hosts.ini', 'play.yml']);
      assert.equal(run.code, 4, run.stdout + run.stderr);
      assert.deepEqual([recap(run.stdout, 'fine')['ok'], recap(run.stdout, 'fine')['unreachable']], [1, 0]);
      for (const [host, , message] of expected) {
        assert.equal(recap(run.stdout, host)['unreachable'], 1, host);
        const line = /"msg": "([^"]*)"/.exec(run.stdout.split('\n').find((l) => l.startsWith(`fatal: [${host}]: UNREACHABLE!`)) ?? '')?.[1] ?? '';
        assert.match(line, message, host);
      }
      assert.doesNotMatch(run.stdout + run.stderr, /^\s+at /m, 'no stack trace');
    } finally {
      holder.kill('SIGTERM');
      await new Promise((resolve) => holder.once('exit', resolve));
      await remove();
    }
  });
});

describe('interrupting a run on a tree reached through playtree_via', { skip }, () => {
  let scratch = '';
  let trees: string[] = [];
  let remove = async () => {};
  let tmp = '';
  const tmpBefore = process.env['TMPDIR'];

  before(async () => {
    ({ scratch, trees, remove } = await scratchWithTrees(1));
    tmp = await writeWork(scratch, `[builders]\nbuilder ansible_connection=local\n[trees]\ntree ansible_host=${trees[0]} ansible_connection=chroot playtree_via=builder\n`);
    await writeFile(join(scratch, 'ansible.cfg'), '');
    await writeFile(
      join(scratch, 'long.yml'),
      '- hosts: trees\n  gather_facts: false\n  tasks:\n    - shell: touch /root/started; sleep 1000; touch /root/after\n',
    );
    // A folder's copy goes through the connection's put; 100 MiB keeps it under way long enough to interrupt.
    await mkdir(join(scratch, 'bigdir'));
    await writeFile(join(scratch, 'bigdir/big.bin'), Buffer.alloc(100 * 1024 * 1024, 7));
    await writeFile(join(scratch, 'copy.yml'), '- hosts: trees\n  gather_facts: false\n  tasks:\n    - copy: src=bigdir/ dest=/srv/big/\n');
    // startPlaytree passes this process's environment on: the build host's temporary folder goes to `tmp`.
    process.env['TMPDIR'] = tmp;
  });
  after(async () => {
    if (tmpBefore === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = tmpBefore;
    await remove();
  });

  test('SIGINT during a long command: exit 99, the command stopped, no lock, no temporary folder', async () => {
    const run = startPlaytree(scratch, ['-i', 'hosts.ini', 'long.yml']);
    await waitFor(run, 'the command started', () => markerExists(join(trees[0]!, 'root/started')));
    process.kill(-run.pid, 'SIGINT');
    const exit = await run.exited;
    assert.equal(exit.code, 99, exit.stdout + exit.stderr);
    assert.equal(existsSync(join(trees[0]!, 'root/after')), false, 'the interrupted command did not go on');
    assert.deepEqual(await readdir(tmp), [], 'no temporary folder on the build host');
    assert.equal(existsSync(await lockFileOf(trees[0]!)), false, 'no lock file');
    const again = await runPlaytree(scratch, ['-i', 'hosts.ini', 'play.yml'], { TMPDIR: tmp });
    assert.equal(again.code, 0, 'the tree is free for the next run\n' + again.stdout + again.stderr);
  });

  test('SIGINT during a large copy: exit 99, the destination keeps its old bytes or gets all the new ones, no temporary file', async () => {
    // A fresh folder: transferUnderWay takes any other non-empty entry for the temporary file.
    const srv = join(trees[0]!, 'srv/big');
    await rm(srv, { recursive: true, force: true });
    await mkdir(srv, { recursive: true });
    await writeFile(join(srv, 'big.bin'), 'old content\n');
    const old = await sha256Of(join(srv, 'big.bin'));
    const run = startPlaytree(scratch, ['-i', 'hosts.ini', 'copy.yml']);
    await waitFor(run, 'the copy started', () => transferUnderWay(srv, 'big.bin'));
    process.kill(-run.pid, 'SIGINT');
    const exit = await run.exited;
    assert.equal(exit.code, 99, exit.stdout + exit.stderr);
    assert.deepEqual(await readdir(srv), ['big.bin'], 'no temporary file beside the destination');
    assert.ok([old, await sha256Of(join(scratch, 'bigdir/big.bin'))].includes(await sha256Of(join(srv, 'big.bin'))), 'old or new bytes');
    assert.deepEqual(await readdir(tmp), [], 'no temporary folder on the build host');
    assert.equal(existsSync(await lockFileOf(trees[0]!)), false, 'no lock file');
  });
});
