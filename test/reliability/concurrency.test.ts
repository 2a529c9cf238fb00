import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, test } from 'node:test';
import { describeHolder } from '../../connections/runLock.js';
import { realTreeSkipReason } from '../support/imageTree.js';
import { recap, runPlaytree, scratchWithTrees, type PlaytreeRun } from '../support/cliOnTrees.js';

/*
 * Concurrency: two playtree runs on one tree never both write it (the second is refused, or waits with
 * --lock-wait), a SIGKILLed run leaves no stale lock, runs on different trees do not disturb each other,
 * and -f 1 and -f 10 give the same results. Every run is the built CLI on real tree copies. A "holding"
 * run sits in a task that waits for a file the test creates, so no assertion depends on timing.
 */

const skip = realTreeSkipReason();
const BIN = fileURLToPath(new URL('../../../bin/playtree.js', import.meta.url));

/** Touches /holding in the tree, then waits until /release appears (the test creates it), then cleans up. */
const HOLD_PLAY = `- hosts: all
  gather_facts: false
  tasks:
    - command: sh -c 'touch /holding; while [ ! -e /release ]; do sleep 0.05; done; rm -f /release /holding'
    - copy: { content: "held\\n", dest: /etc/held-by-first }
`;

const QUICK_PLAY = `- hosts: all
  gather_facts: false
  tasks:
    - copy: { content: "{{ marker | default('second') }}\\n", dest: "/etc/{{ marker | default('second') }}" }
`;

interface Driver {
  name: string;
  args: string[];
  env: Record<string, string>;
}

const DRIVERS: Driver[] = [
  { name: 'chroot', args: ['-c', 'chroot'], env: {} },
  { name: 'nspawn (persistent)', args: ['-c', 'nspawn'], env: {} },
  { name: 'nspawn (per command)', args: ['-c', 'nspawn'], env: { ANSIBLE_NSPAWN_PERSISTENT: 'false' } },
];

/** A playtree run in the background, its output collected as it comes. */
interface Background {
  pid: number;
  ended: boolean;
  output: () => string;
  done: Promise<PlaytreeRun>;
}

/** Every background run of the current test, for `settle` to end whatever a failed test left running. */
const started: Background[] = [];

function startPlaytree(cwd: string, args: string[], env: Record<string, string> = {}): Background {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ANSIBLE_')));
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...clean, PLAYTREE_NO_LIVE: '1', ANSIBLE_CONFIG: join(cwd, 'ansible.cfg'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const run: Background = {
    pid: child.pid!,
    ended: false,
    output: () => stdout + stderr,
    done: new Promise<PlaytreeRun>((resolve) =>
      child.on('close', (code, signal) => {
        run.ended = true;
        resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
      }),
    ),
  };
  started.push(run);
  return run;
}

/**
 * After each test, even a failed one: release every tree, end what still runs (SIGKILL after 20 s) and wait
 * for the holding commands to go (a SIGKILLed run's chroot'ed command outlives it), so the next test starts clean.
 */
async function settle(trees: string[]): Promise<void> {
  const running = started.splice(0).filter((run) => !run.ended);
  const holding = trees.filter((tree) => existsSync(join(tree, 'holding')));
  await Promise.all(holding.map((tree) => writeFile(join(tree, 'release'), '')));
  for (const run of running) {
    await Promise.race([run.done, sleep(20_000, undefined, { ref: false })]);
    if (!run.ended) process.kill(run.pid, 'SIGKILL');
  }
  const deadline = Date.now() + 20_000;
  while (trees.some((tree) => existsSync(join(tree, 'holding'))) && Date.now() < deadline) await sleep(50);
  for (const tree of trees) {
    for (const file of ['second', 'held-by-first', 'from-one', 'from-two', 'alias-a', 'alias-b']) await rm(join(tree, 'etc', file), { force: true });
  }
}

/** Poll until `ready()` holds; fail (with the run's output) if the run ended first or 60 s passed. */
async function waitUntil(ready: () => boolean, run: Background, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!ready()) {
    if (run.ended || Date.now() > deadline) assert.fail(`never saw ${what}:\n${run.output()}`);
    await sleep(50);
  }
}

/** Start a run of HOLD_PLAY on `tree` and wait until its task is inside the tree, holding it. */
async function startHolding(cwd: string, tree: string, driver: Driver): Promise<Background> {
  const run = startPlaytree(cwd, ['-i', `${tree},`, ...driver.args, 'hold.yml'], driver.env);
  await waitUntil(() => existsSync(join(tree, 'holding')), run, `${tree}/holding`);
  return run;
}

async function release(tree: string, run: Background): Promise<PlaytreeRun> {
  await writeFile(join(tree, 'release'), '');
  return run.done;
}

function unreachableMessage(run: PlaytreeRun): string {
  const match = /UNREACHABLE! => (\{.*\})$/m.exec(run.stdout);
  assert.ok(match, `no UNREACHABLE result in:\n${run.stdout}${run.stderr}`);
  return (JSON.parse(match[1]!) as { msg: string }).msg;
}

const BUSY_MESSAGE = (path: string) =>
  new RegExp(
    `^${path}: tree ${path} is in use by another playtree run \\(pid \\d+, playbook \\S+/hold\\.yml, since \\d\\d:\\d\\d:\\d\\d\\); wait for it to finish, or pass --lock-wait SECONDS to wait$`,
  );

/** Writes into /srv/RUN of each tree: per-host values, what the host's command saw in its tree, edits. */
const FORKS_PLAY = `- hosts: trees
  gather_facts: false
  tasks:
    - file: { path: "/srv/{{ run }}", state: directory, mode: "0750" }
    - copy: { content: "{{ inventory_hostname }} {{ colour }}\\n", dest: "/srv/{{ run }}/who" }
    - command: cat /etc/tree-name
      register: seen
    - copy: { content: "{{ seen.stdout }}\\n", dest: "/srv/{{ run }}/seen" }
    - lineinfile: { path: "/srv/{{ run }}/who", line: "{{ colour }} again" }
    - command: "true"
      when: colour == 'green'
    - copy: { content: "{{ seen.stdout }}\\n", dest: "/srv/{{ run }}/seen" }
`;

describe('concurrency on three tree copies', { skip }, () => {
  let scratch = '';
  let trees: string[] = [];
  let remove = async () => {};
  before(async () => {
    ({ scratch, trees, remove } = await scratchWithTrees(3));
    await writeFile(join(scratch, 'ansible.cfg'), '');
    await writeFile(join(scratch, 'hold.yml'), HOLD_PLAY);
    await writeFile(join(scratch, 'quick.yml'), QUICK_PLAY);
  });
  after(async () => remove());

  describe('concurrent playtree runs', () => {
    afterEach(async () => settle(trees));

    for (const driver of DRIVERS) {
      test(`${driver.name}: a second run on a tree in use is refused at once, naming the first run, exit 4`, async () => {
        const tree = trees[0]!;
        const first = await startHolding(scratch, tree, driver);
        const second = await runPlaytree(scratch, ['-i', `${tree},`, ...driver.args, 'quick.yml'], driver.env);
        const firstResult = await release(tree, first);
        assert.equal(second.code, 4, second.stdout + second.stderr);
        assert.match(unreachableMessage(second), BUSY_MESSAGE(tree));
        assert.equal(existsSync(join(tree, 'etc/second')), false, 'the refused run wrote nothing');
        assert.equal(firstResult.code, 0, firstResult.stdout + firstResult.stderr);
        assert.equal(await readFile(join(tree, 'etc/held-by-first'), 'utf8'), 'held\n');
      });
    }

    test('with --lock-wait the second run waits for the first to end, then runs', async () => {
      const tree = trees[0]!;
      const first = await startHolding(scratch, tree, DRIVERS[1]!);
      const second = startPlaytree(scratch, ['-i', `${tree},`, '-c', 'nspawn', '--lock-wait', '120', 'quick.yml']);
      await waitUntil(() => second.output().includes('waiting up to 120 s'), second, 'the second run waiting');
      assert.equal(existsSync(join(tree, 'etc/second')), false, 'the waiting run has written nothing yet');
      const firstResult = await release(tree, first);
      const secondResult = await second.done;
      assert.equal(firstResult.code, 0, firstResult.stdout + firstResult.stderr);
      assert.equal(secondResult.code, 0, secondResult.stdout + secondResult.stderr);
      assert.match(secondResult.stdout, /in use by another playtree run \(pid \d+, playbook \S+\/hold\.yml, since [\d:]+\); waiting up to 120 s/);
      assert.equal(await readFile(join(tree, 'etc/second'), 'utf8'), 'second\n');
      const { dev, ino } = await stat(tree);
      assert.equal(existsSync(`/run/playtree/locks/tree-${dev}:${ino}`), false, 'the last run removed its lock file');
    });

    test('a --lock-wait that runs out refuses the tree, saying how long it waited', async () => {
      const tree = trees[0]!;
      const first = await startHolding(scratch, tree, DRIVERS[0]!);
      const second = await runPlaytree(scratch, ['-i', `${tree},`, '-c', 'chroot', '--lock-wait', '0.5', 'quick.yml']);
      assert.equal((await release(tree, first)).code, 0);
      assert.equal(second.code, 4, second.stdout + second.stderr);
      assert.match(unreachableMessage(second), /in use by another playtree run \(pid \d+, .*\) \(waited 0\.5 s\); wait for it to finish, or pass a longer --lock-wait$/);
    });

    test('PLAYTREE_LOCK_WAIT waits like --lock-wait; a bad value is refused before any play', async () => {
      const tree = trees[0]!;
      const bad = await runPlaytree(scratch, ['-i', `${tree},`, '-c', 'chroot', 'quick.yml'], { PLAYTREE_LOCK_WAIT: 'soon' });
      assert.equal(bad.code, 5, bad.stdout + bad.stderr);
      assert.match(bad.stderr, /^ERROR! PLAYTREE_LOCK_WAIT must be a number of seconds \(0 or more\), got 'soon'$/m);
      const badFlag = await runPlaytree(scratch, ['-i', `${tree},`, '--lock-wait=-1', 'quick.yml']);
      assert.equal(badFlag.code, 2, badFlag.stdout + badFlag.stderr);
      assert.match(badFlag.stderr, /^ERROR! --lock-wait must be a number of seconds \(0 or more\), got '-1'$/m);
      const first = await startHolding(scratch, tree, DRIVERS[0]!);
      const second = startPlaytree(scratch, ['-i', `${tree},`, '-c', 'chroot', 'quick.yml'], { PLAYTREE_LOCK_WAIT: '120' });
      await waitUntil(() => second.output().includes('waiting up to 120 s'), second, 'the second run waiting');
      assert.equal((await release(tree, first)).code, 0);
      const secondResult = await second.done;
      assert.equal(secondResult.code, 0, secondResult.stdout + secondResult.stderr);
    });

    test('a run interrupted while it waits for the lock ends at once (exit 99), the first run untouched', async () => {
      const tree = trees[0]!;
      const first = await startHolding(scratch, tree, DRIVERS[0]!);
      const second = startPlaytree(scratch, ['-i', `${tree},`, '-c', 'chroot', '--lock-wait', '600', 'quick.yml']);
      await waitUntil(() => second.output().includes('waiting up to 600 s'), second, 'the second run waiting');
      process.kill(second.pid, 'SIGINT');
      // The first run still holds the tree: the second must end by itself, not when the lock frees.
      const stopped = await Promise.race([second.done, sleep(60_000, undefined, { ref: false }).then(() => undefined)]);
      assert.ok(stopped, `the interrupted run still waits:\n${second.output()}`);
      assert.equal(stopped.code, 99, stopped.stdout + stopped.stderr);
      assert.equal(first.ended, false);
      assert.equal((await release(tree, first)).code, 0);
      assert.equal(existsSync(join(tree, 'etc/second')), false);
    });

    test('the same tree reached through a symlink is the same lock', async () => {
      const tree = trees[0]!;
      const link = join(scratch, 'link-to-tree');
      await symlink(tree, link);
      const first = await startHolding(scratch, tree, DRIVERS[0]!);
      const second = await runPlaytree(scratch, ['-i', `${link},`, '-c', 'nspawn', 'quick.yml']);
      assert.equal((await release(tree, first)).code, 0);
      assert.equal(second.code, 4, second.stdout + second.stderr);
      assert.match(unreachableMessage(second), BUSY_MESSAGE(link));
      assert.equal(existsSync(join(tree, 'etc/second')), false);
    });

    test('two inventory hosts on one tree share the run\'s lock (no deadlock, no refusal)', async () => {
      const tree = trees[0]!;
      await writeFile(join(scratch, 'aliases.ini'), `a ansible_host=${tree} marker=alias-a\nb ansible_host=${tree} marker=alias-b\n`);
      const run = await runPlaytree(scratch, ['-i', 'aliases.ini', '-c', 'chroot', 'quick.yml']);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual([recap(run.stdout, 'a')['changed'], recap(run.stdout, 'b')['changed']], [1, 1]);
    });

    test('SIGKILL of a run holding a tree leaves no lock: the next run goes ahead', async () => {
      const tree = trees[0]!;
      const first = await startHolding(scratch, tree, DRIVERS[0]!);
      const refused = await runPlaytree(scratch, ['-i', `${tree},`, '-c', 'chroot', 'quick.yml']);
      assert.equal(refused.code, 4, 'the tree is locked before the kill');
      process.kill(first.pid, 'SIGKILL');
      await first.done;
      const next = await runPlaytree(scratch, ['-i', `${tree},`, '-c', 'chroot', 'quick.yml']);
      // The killed run's chroot'ed command outlives it (chroot cannot stop it): settle() ends it.
      assert.equal(next.code, 0, next.stdout + next.stderr);
      assert.equal(await readFile(join(tree, 'etc/second'), 'utf8'), 'second\n');
    });

    test('runs on two different trees at the same time both succeed, each tree with only its own changes', async () => {
      const [one, two] = [trees[1]!, trees[2]!];
      await writeFile(join(scratch, 'hold-marked.yml'), `${HOLD_PLAY}${QUICK_PLAY.replace(/^- hosts: all\n {2}gather_facts: false\n {2}tasks:\n/, '')}`);
      const runs = [
        startPlaytree(scratch, ['-i', `${one},`, '-c', 'nspawn', '-e', 'marker=from-one', 'hold-marked.yml']),
        startPlaytree(scratch, ['-i', `${two},`, '-c', 'chroot', '-e', 'marker=from-two', 'hold-marked.yml']),
      ];
      // Both are inside their trees at once before either may go on.
      await waitUntil(() => existsSync(join(one, 'holding')), runs[0]!, `${one}/holding`);
      await waitUntil(() => existsSync(join(two, 'holding')), runs[1]!, `${two}/holding`);
      const results = await Promise.all([release(one, runs[0]!), release(two, runs[1]!)]);
      for (const result of results) assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.equal(await readFile(join(one, 'etc/from-one'), 'utf8'), 'from-one\n');
      assert.equal(await readFile(join(two, 'etc/from-two'), 'utf8'), 'from-two\n');
      assert.equal(existsSync(join(one, 'etc/from-two')), false);
      assert.equal(existsSync(join(two, 'etc/from-one')), false);
    });
  });

  describe('-f 1 and -f 10 give the same results on three trees', () => {
    const runs: Record<string, PlaytreeRun> = {};
    before(async () => {
      const colours = ['red', 'green', 'blue'];
      const hosts = trees.map((tree, i) => `host${i + 1} ansible_host=${tree} colour=${colours[i]}`);
      await writeFile(join(scratch, 'hosts.ini'), `[trees]\n${hosts.join('\n')}\n`);
      await writeFile(join(scratch, 'forks.yml'), FORKS_PLAY);
      for (const [i, tree] of trees.entries()) await writeFile(join(tree, 'etc/tree-name'), `tree${i + 1}\n`);
      for (const forks of ['1', '10']) {
        runs[forks] = await runPlaytree(scratch, ['-i', 'hosts.ini', '-c', 'nspawn', '-f', forks, '-e', `run=f${forks}`, 'forks.yml']);
      }
    });

    test('both runs succeed with identical recaps', () => {
      const recapOf = (run: PlaytreeRun) => run.stdout.slice(run.stdout.indexOf('PLAY RECAP'));
      for (const run of Object.values(runs)) assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(recapOf(runs['10']!), recapOf(runs['1']!));
      assert.deepEqual(recap(runs['1']!.stdout, 'host2'), { ok: 7, changed: 6, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 });
    });

    test('every tree holds the same files from both runs, each with its own host\'s values', async () => {
      for (const [i, tree] of trees.entries()) {
        assert.deepEqual(await describeFolder(join(tree, 'srv/f10')), await describeFolder(join(tree, 'srv/f1')), tree);
        assert.equal(await readFile(join(tree, 'srv/f10/seen'), 'utf8'), `tree${i + 1}\n`);
        assert.match(await readFile(join(tree, 'srv/f10/who'), 'utf8'), new RegExp(`^host${i + 1} (\\w+)\\n\\1 again\\n$`));
      }
    });
  });
});

/** Each entry of `folder`: name, type, mode and bytes. */
async function describeFolder(folder: string): Promise<string[]> {
  const rows = [`. ${((await lstat(folder)).mode & 0o7777).toString(8)}`];
  for (const name of (await readdir(folder)).sort()) {
    const info = await lstat(join(folder, name));
    rows.push(`${name} ${info.isFile() ? 'file' : 'other'} ${(info.mode & 0o7777).toString(8)} ${await readFile(join(folder, name), 'utf8')}`);
  }
  return rows;
}

test('the refusal names the holder: pid, playbook, and the time (with the date when not today)', () => {
  const since = new Date(2026, 11, 7, 1, 40, 2);
  const holder = { pid: 1234, since: since.toISOString(), playbook: '/srv/site.yml' };
  assert.equal(describeHolder(holder, new Date(2026, 11, 7, 9, 0, 0)), ' (pid 1234, playbook /srv/site.yml, since 01:40:02)');
  assert.equal(describeHolder(holder, new Date(2026, 11, 9, 9, 0, 0)), ' (pid 1234, playbook /srv/site.yml, since 2026-12-07 01:40:02)');
  assert.equal(describeHolder(undefined), '');
});
