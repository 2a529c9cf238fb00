import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { leftoversAfterSettling } from './cleanupLeftovers.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';

/** bin/playtree.js, found from dist/test/ (compiled) — the real CLI, as users run it. */
const PLAYTREE = fileURLToPath(new URL('../../bin/playtree.js', import.meta.url));

const skip = realTreeSkipReason();

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Start playtree on `playbook`; `interrupt` runs once the task has written /root/started in the tree. */
async function playtree(
  tree: string,
  scratch: string,
  playbook: string,
  interrupt?: (pid: number) => void,
  moreHosts = '',
): Promise<Run> {
  await rm(join(tree, 'root/started'), { force: true });
  const inventory = join(scratch, 'hosts.ini');
  const book = join(scratch, 'play.yml');
  await writeFile(inventory, `${tree} ansible_connection=nspawn\n${moreHosts}`);
  await writeFile(book, playbook);
  const child = spawn(process.execPath, [PLAYTREE, '-i', inventory, book], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  if (interrupt) {
    const marker = join(tree, 'root/started');
    while (!existsSync(marker) && child.exitCode === null) await sleep(50);
    interrupt(child.pid!);
  }
  return done;
}

/** Processes whose command line is `text` (e.g. a sleep a test started), as `pid: cmdline`. */
function sleepersOf(text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (cmdline === text) found.push(`${entry}: ${cmdline}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

const LONG_TASK = `- hosts: all
  gather_facts: false
  tasks:
    - name: start a background job
      shell: sleep 1000 >/dev/null 2>&1 </dev/null & echo $! > /run/job.pid
    - name: a long task
      shell: touch /root/started; sleep 1000
`;

if (skip) {
  test(`cleanup tests skipped: ${skip}`, { skip }, () => {});
} else {
  describe('playtree leaves no container, mount or lock behind on a tree', () => {
    let tree = '';
    let scratch = '';
    let remove = async () => {};
    before(async () => {
      ({ tree, scratch, remove } = await copyTestTree());
    });
    after(async () => remove());

    test('a background job runs on for the next task of the host and is gone after the run', async () => {
      const run = await playtree(
        tree,
        scratch,
        `- hosts: all
  gather_facts: false
  tasks:
    - shell: sleep 1000 >/dev/null 2>&1 </dev/null & echo $! > /run/job.pid
    - shell: kill -0 "$(cat /run/job.pid)"
`,
      );
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /ok=2 +changed=2 +unreachable=0 +failed=0/);
      assert.deepEqual(await leftoversAfterSettling(tree, 0), []);
    });

    test('a failed host leaves nothing behind', async () => {
      const run = await playtree(tree, scratch, `- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: sleep 1000 >/dev/null 2>&1 </dev/null &\n    - command: /bin/false\n    - command: /bin/true\n`);
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.deepEqual(await leftoversAfterSettling(tree, 0), []);
    });

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      test(`${signal} during a task stops the container and exits 99 as "User interrupted execution"`, async () => {
        const run = await playtree(tree, scratch, LONG_TASK, (pid) => process.kill(pid, signal));
        assert.equal(run.code, 99, run.stdout + run.stderr);
        assert.match(run.stderr, /ERROR! User interrupted execution/);
        // Closed before playtree exited: nothing to wait for.
        assert.deepEqual(await leftoversAfterSettling(tree, 0), []);
      });
    }

    test('SIGTERM during a chroot task and a local one stops both commands and everything they started', async () => {
      const localMarker = join(scratch, 'local-started');
      await rm(localMarker, { force: true });
      await rm(join(tree, 'root/started'), { force: true });
      await writeFile(join(scratch, 'mixed.ini'), `${tree} ansible_connection=chroot marker=/root/started\nlocalhost ansible_connection=local marker=${localMarker}\n`);
      await writeFile(
        join(scratch, 'mixed.yml'),
        `- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: "touch {{ marker }}; sleep 1003 | cat; echo never > {{ marker }}"\n`,
      );
      const child = spawn(process.execPath, [PLAYTREE, '-i', join(scratch, 'mixed.ini'), join(scratch, 'mixed.yml')], { stdio: 'ignore' });
      const done = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      while (!(existsSync(localMarker) && existsSync(join(tree, 'root/started'))) && child.exitCode === null) await sleep(50);
      child.kill('SIGTERM');
      assert.equal(await done, 99);
      assert.deepEqual(sleepersOf('sleep 1003'), [], 'the commands (and the pipeline they started) are stopped');
      assert.deepEqual(await leftoversAfterSettling(tree, 0), []);
    });

    test('a crash outside any task (an uncaught exception) stops the container and exits 250', async () => {
      // A connection plugin beside the inventory throws from a timer, where no task can catch it, while
      // the tree's own task (same play, other host) has its container running.
      await mkdir(join(scratch, 'connection_plugins'), { recursive: true });
      await writeFile(
        join(scratch, 'connection_plugins', 'crasher.js'),
        `export default () => ({
  transport: 'crasher',
  async open() {},
  exec() {
    setTimeout(() => { throw new Error('crasher plugin blew up'); }, 500);
    return new Promise(() => {});
  },
  async put() {}, async fetch() {}, async close() {},
});
`,
      );
      const run = await playtree(tree, scratch, LONG_TASK.replace('touch /root/started; sleep 1000', 'sleep 1000'), undefined, 'crashing ansible_connection=crasher\n');
      assert.equal(run.code, 250, run.stdout + run.stderr);
      assert.match(run.stderr, /ERROR! Unexpected Exception, this is probably a bug: crasher plugin blew up/);
      assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace without -vvvv');
      assert.deepEqual(await leftoversAfterSettling(tree, 0), []);
    });

    test('SIGKILL during a task: the container notices playtree is gone and stops by itself', async () => {
      const run = await playtree(tree, scratch, LONG_TASK, (pid) => process.kill(pid, 'SIGKILL'));
      assert.equal(run.signal, 'SIGKILL');
      assert.deepEqual(await leftoversAfterSettling(tree), []);
    });

    test('SIGKILL: every process left in the container gets SIGTERM and time for its trap before the container goes', async () => {
      // A job that outlived its task (reparented to the container's PID 1, not the command server's child)
      // and whose clean-up takes a second: it must be signalled, and waited for.
      await rm(join(tree, 'root/cleaned'), { force: true });
      const book = LONG_TASK.replace(
        'shell: sleep 1000 >/dev/null 2>&1 </dev/null & echo $! > /run/job.pid',
        `shell: (trap 'sleep 1; touch /root/cleaned; exit 0' TERM; while :; do sleep 0.1; done) >/dev/null 2>&1 </dev/null &`,
      );
      const run = await playtree(tree, scratch, book, (pid) => process.kill(pid, 'SIGKILL'));
      assert.equal(run.signal, 'SIGKILL');
      assert.deepEqual(await leftoversAfterSettling(tree), []);
      assert.ok(existsSync(join(tree, 'root/cleaned')), 'the job ran its SIGTERM trap to the end');
    });
  });
}
