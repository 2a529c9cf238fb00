import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { childrenOf } from '../connections/processTree.js';
import { leftoversAfterSettling, leftoversOf } from './cleanupLeftovers.js';
import { realTreeSkipReason } from './support/imageTree.js';
import { runPlaytree, scratchWithTrees } from './support/cliOnTrees.js';
import { markerExists, startPlaytree, waitFor, type StartedRun } from './reliability/interruptedRun.js';
import { sshdMissing, startSshd, type TestSshd } from './support/sshd.js';
import { VIA_ROOT } from '../connections/viaRunScripts.js';
import { deadRunFolders, lockFileOf, processesRunning, runFolderOf, writeWork } from './support/viaTrees.js';

/*
 * A SIGKILLed playtree leaves its commands running on a build host reached through playtree_via: the next
 * run through that build host stops them before its first command there (connections/viaRunScripts.ts),
 * and never touches the commands of a run that still lives. Carriers: local, and ssh through a
 * ControlMaster (a throw-away sshd on this machine).
 */

const skip = realTreeSkipReason();

/** The direct children of `pid` whose command name is `name`. */
async function childrenNamed(pid: number, name: string): Promise<number[]> {
  const found: number[] = [];
  for (const child of childrenOf(pid)) {
    if ((await readFile(`/proc/${child}/comm`, 'utf8').catch(() => '')).trim() === name) found.push(child);
  }
  return found;
}
const noSshd = sshdMissing();

describe('what a SIGKILLed playtree left on a build host through playtree_via', { skip }, () => {
  let sshd: TestSshd | undefined;
  let scratch = '';
  let trees: string[] = [];
  let remove = async () => {};

  before(async () => {
    ({ scratch, trees, remove } = await scratchWithTrees(2));
    if (!noSshd) sshd = await startSshd();
    const sshBuilder = sshd ? Object.entries(sshd.hostVars({ ansible_control_path_dir: join(scratch, 'cp') })).map(([key, value]) => `${key}='${value}'`) : [];
    const perCommand = 'ansible_connection=nspawn ansible_nspawn_persistent=false';
    await writeWork(
      scratch,
      `[builders]\nbuilder ansible_connection=local\n${sshd ? `build1 ${sshBuilder.join(' ')}\n` : ''}[trees]\n` +
        `chrooted ansible_host=${trees[0]} ansible_connection=chroot playtree_via=builder\n` +
        `nspawned ansible_host=${trees[1]} ${perCommand} playtree_via=builder\n` +
        (sshd ? `sshnspawned ansible_host=${trees[1]} ${perCommand} playtree_via=build1\n` : ''),
    );
    await writeFile(join(scratch, 'ansible.cfg'), '');
    await writeFile(join(scratch, 'long.yml'), '- hosts: trees\n  gather_facts: false\n  tasks:\n    - shell: touch /root/started; sleep 1000; touch /root/after\n');
    await writeFile(join(scratch, 'next.yml'), '- hosts: trees\n  gather_facts: false\n  tasks:\n    - shell: touch /root/next\n');
  });
  after(async () => {
    await sshd?.stop();
    await remove();
  });

  /** Start the long command on `host` (tree `tree`) and wait until it runs there. */
  async function startLong(host: string, tree: string): Promise<StartedRun> {
    for (const marker of ['started', 'after', 'next']) await rm(join(tree, 'root', marker), { force: true });
    const run = startPlaytree(scratch, ['-i', 'hosts.ini', '-l', host, 'long.yml']);
    await waitFor(run, 'the command started', () => markerExists(join(tree, 'root/started')));
    return run;
  }

  /**
   * SIGKILL `run` (and its ssh clients: `withSshClients`); the next run on `host` must succeed and leave
   * nothing. The killed run's folder: found through its lifeline (a child of playtree) with the local
   * carrier; over ssh, whatever folder is dead once playtree is (other test files' runs may come and go).
   */
  async function killThenNextRun(t: TestContext, run: StartedRun, host: string, tree: string, withSshClients: boolean): Promise<void> {
    const folder = withSshClients ? undefined : await runFolderOf(run.pid);
    if (!withSshClients) assert.ok(folder, "the run's folder on the build host, made by its lifeline");
    // playtree starts each ssh client in a process group of its own: a group's SIGKILL would miss them.
    const sshClients = withSshClients ? await childrenNamed(run.pid, 'ssh') : [];
    if (withSshClients) assert.ok(sshClients.length >= 3, `the lifeline, the lock holder and the command each have an ssh client: ${sshClients.join(' ')}`);
    for (const pid of [run.pid, ...sshClients]) process.kill(pid, 'SIGKILL');
    assert.equal((await run.exited).signal, 'SIGKILL');
    // The lifeline sees its input end (the kernel closed playtree's end): the run's folder becomes a dead one's.
    // Any run through this build host stops what dead runs left there: another test file's run (this machine
    // is everyone's build host) may do it first, so the folder may also be gone already.
    const isDead = async () => (await deadRunFolders()).filter((name) => folder === undefined || folder.endsWith(`/${name}`));
    const cleanedAlready = () => folder !== undefined && !existsSync(folder);
    for (let waited = 0; (await isDead()).length === 0 && !cleanedAlready() && waited < 10_000; waited += 50) await sleep(50);
    const dead = await isDead();
    assert.ok(dead.length > 0 || cleanedAlready(), "the killed run's folder is seen as a dead run's");
    if (withSshClients) assert.notDeepEqual(await processesRunning(`${join(scratch, 'cp')}/`), [], 'the ControlMaster still runs');
    if ((await leftoversOf(tree)).length === 0) t.diagnostic('the command was already stopped by another run through this build host');
    const next = await runPlaytree(scratch, ['-i', 'hosts.ini', '-l', host, 'next.yml']);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.equal(existsSync(join(tree, 'root/next')), true);
    assert.deepEqual(await leftoversAfterSettling(tree, 0), [], 'no process, nspawn, mount or lock left');
    assert.equal(existsSync(join(tree, 'root/after')), false, 'the killed command did not go on');
    assert.equal(existsSync(await lockFileOf(tree)), false, 'no run lock file');
    assert.deepEqual(dead.filter((name) => existsSync(join(VIA_ROOT, name))), [], "the dead run's folder is removed from the build host");
  }

  test('SIGKILL during a long command on a chroot tree through the local carrier: the next run stops it and succeeds', async (t) => {
    const run = await startLong('chrooted', trees[0]!);
    await killThenNextRun(t, run, 'chrooted', trees[0]!, false);
  });

  test('SIGKILL during a long command on a per-command nspawn tree through the local carrier: the next run stops it, nspawn releases its lock', async (t) => {
    const run = await startLong('nspawned', trees[1]!);
    await killThenNextRun(t, run, 'nspawned', trees[1]!, false);
  });

  test('SIGKILL of playtree and its ssh clients (ControlMaster in use) during a per-command nspawn command: the next run stops it', { skip: noSshd }, async (t) => {
    const run = await startLong('sshnspawned', trees[1]!);
    await killThenNextRun(t, run, 'sshnspawned', trees[1]!, true);
  });

  test("a run through the same build host on another tree leaves a live run's command running", async () => {
    const run = await startLong('chrooted', trees[0]!);
    const folder = await runFolderOf(run.pid);
    try {
      assert.ok(folder, "the first run's folder on the build host");
      const other = await runPlaytree(scratch, ['-i', 'hosts.ini', '-l', 'nspawned', 'next.yml']);
      assert.equal(other.code, 0, other.stdout + other.stderr);
      assert.ok(run.running(), 'the first run still runs');
      assert.notDeepEqual(await leftoversOf(trees[0]!), [], "the first run's command still runs");
      assert.ok(existsSync(folder), "the first run's folder is still there");
    } finally {
      process.kill(run.pid, 'SIGTERM');
    }
    assert.equal((await run.exited).code, 99);
    assert.equal(existsSync(join(trees[0]!, 'root/after')), false);
    assert.equal(existsSync(folder), false, 'an interrupted run removes its folder');
  });
});
