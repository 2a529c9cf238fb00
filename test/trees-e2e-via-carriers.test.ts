import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { realTreeSkipReason } from './support/imageTree.js';
import { debugMessages, EXAMPLE_PLUGINS, recap, runPlaytree, scratchWithTrees, type PlaytreeRun } from './support/cliOnTrees.js';
import { markerExists, startPlaytree, waitFor } from './reliability/interruptedRun.js';
import { mastersIn, sshdMissing, startSshd, waitFor as waitUntil, type TestSshd } from './support/sshd.js';
import { lockFileOf, processesRunning, sha256, writeWork } from './support/viaTrees.js';

/*
 * playtree_via with other carriers than local: an ssh build host (a throw-away sshd on this machine), and a
 * connection plugin wrapping local that logs every command it is given, so the log shows that every
 * build-host command went through the carrier.
 */

const skip = realTreeSkipReason();

/**
 * Run `sleep SECONDS` (a number no other test uses) as a task on `hosts` of the scratch's inventory and send
 * playtree SIGTERM once it runs in `tree`: exit 99, and the command was stopped on the build host, not gone on.
 */
async function expectSigtermStopsLongCommand(scratch: string, tree: string, hosts: string, seconds: number): Promise<void> {
  await writeFile(join(scratch, 'long.yml'), `- hosts: ${hosts}\n  gather_facts: false\n  tasks:\n    - shell: touch /root/started; sleep ${seconds}; touch /root/after\n`);
  const run = startPlaytree(scratch, ['-i', 'hosts.ini', 'long.yml']);
  await waitFor(run, 'the command started', () => markerExists(join(tree, 'root/started')));
  process.kill(run.pid, 'SIGTERM');
  const exit = await run.exited;
  assert.equal(exit.code, 99, exit.stdout + exit.stderr);
  assert.deepEqual(await processesRunning(`sleep\u0000${seconds}`), [], 'the command was stopped on the build host');
  assert.equal(existsSync(join(tree, 'root/after')), false, 'the interrupted command did not go on');
}

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
        `nspawned ansible_host=${trees[1]} ansible_connection=nspawn playtree_via=build1\n`,
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
    // A root login's run folder is under /run/playtree/via (its end: trees-e2e-via-stale.test.ts); nothing goes to /tmp.
    assert.deepEqual((await readdir('/tmp')).filter((name) => name.startsWith('playtree-via.')), [], 'no temporary folder left');
    for (const tree of trees) assert.equal(existsSync(await lockFileOf(tree)), false, 'no lock file left');
  });

  test('SIGTERM during a long command on the ssh build host: exit 99, the command stopped there, no lock or temporary folder left', async () => {
    await expectSigtermStopsLongCommand(scratch, trees[0]!, 'chrooted', 654);
    // The build host removes it as its lock holder ends, which playtree waits for unless the holder outlives its
    // grace (2 s, a loaded machine): then it goes a moment after playtree has exited.
    const lock = await lockFileOf(trees[0]!);
    await waitUntil(() => !existsSync(lock), 'the lock file removed on the build host');
    assert.deepEqual((await readdir('/tmp')).filter((name) => name.startsWith('playtree-via.')), [], 'no temporary folder left');
  });

  test('one tree spelled two ways (a trailing slash) through the ssh build host is one tree there: one run lock, no refusal', async () => {
    const hosts = (await readFile(join(scratch, 'hosts.ini'), 'utf8')).split('[trees]')[0];
    await writeFile(
      join(scratch, 'spelled.ini'),
      `${hosts}[trees]\nplain ansible_host=${trees[0]} ansible_connection=chroot playtree_via=build1\n` +
        `slash ansible_host=${trees[0]}/ ansible_connection=nspawn ansible_nspawn_persistent=false playtree_via=build1\n`,
    );
    await writeFile(join(scratch, 'spelled.yml'), '- hosts: trees\n  gather_facts: false\n  tasks:\n    - copy: { content: "{{ inventory_hostname }}\\n", dest: "/etc/spelled-{{ inventory_hostname }}" }\n');
    const run = await runPlaytree(scratch, ['-f', '2', '-i', 'spelled.ini', 'spelled.yml'], { ANSIBLE_SSH_CONTROL_PATH_DIR: join(scratch, 'cp') });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const host of ['plain', 'slash']) assert.equal(await readFile(join(trees[0]!, `etc/spelled-${host}`), 'utf8'), `${host}\n`);
    assert.equal(existsSync(await lockFileOf(trees[0]!)), false, 'no lock file left');
  });

  test('reset_connection on the build host between tree tasks: the master its carrier then opens again is closed at the end, the lock released', async () => {
    const cp = join(scratch, 'cp');
    const masterPids = `pgrep -f '^ssh: ${cp}/'`;
    await writeFile(
      join(scratch, 'reset.yml'),
      `- hosts: chrooted
  gather_facts: false
  tasks:
    - command: touch /root/before-reset
    - { shell: "${masterPids}", delegate_to: localhost, register: masters }
- hosts: build1
  gather_facts: false
  tasks:
    - command: echo build host
    - meta: reset_connection
- hosts: chrooted
  gather_facts: false
  tasks:
    - command: touch /root/after-reset
    - debug: { msg: "{{ masters.stdout }}" }
`,
    );
    const run = await runPlaytree(scratch, ['-i', 'hosts.ini', 'reset.yml'], { ANSIBLE_SSH_CONTROL_PATH_DIR: cp });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(existsSync(join(trees[0]!, 'root/after-reset')), true);
    const [stopped] = debugMessages(run.stdout);
    assert.match(stopped ?? '', /^\d+$/, 'one master before the reset');
    await waitUntil(() => mastersIn(cp).length === 0 && !existsSync(`/proc/${stopped}`), 'the masters to exit').catch(() => {});
    assert.deepEqual(mastersIn(cp), [], 'the replacement master was closed');
    assert.equal(existsSync(`/proc/${stopped}`), false, 'the stopped master ended with its last session');
    assert.deepEqual(await readdir(cp), [], 'no control socket left');
    assert.equal(existsSync(await lockFileOf(trees[0]!)), false, 'no lock file left');
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
    assert.ok(execs.some((line) => line.includes('.inner.bin.playtree-')), "the folder's copy streams through the carrier");
    assert.ok(log.includes(' builder fetch '), 'the fetch streams through the carrier');
    const chroots = execs.filter((line) => /\/chroot /.test(line) && line.includes(trees[0]!));
    // cat, file (stat, mkdir...), copy, template and fetch each run several commands in the tree.
    assert.ok(chroots.length >= 8, `chroot commands through the carrier: ${chroots.length}`);
  });

  test('SIGTERM stops a long command on the build host through the carrier, even one that does not stop its commands itself', async () => {
    // The example plugin's exec tracks nothing: only playtree's own stop, sent through it, ends the command.
    await writeFile(join(scratch, 'ansible.cfg'), '');
    await expectSigtermStopsLongCommand(scratch, trees[0]!, 'first', 987);
  });

  test('two trees naming one build host share one opening of its connection per run', () => {
    // Two runs: the first with one tree, the second with both trees.
    assert.equal(log.split('\n').filter((line) => line.endsWith(' builder open')).length, 2);
    assert.equal(log.split('\n').filter((line) => line.endsWith(' builder close')).length, 2);
  });
});
