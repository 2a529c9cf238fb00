import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { leftoversOf } from './cleanupLeftovers.js';
import { realTreeSkipReason } from './support/imageTree.js';
import { debugMessages, recap, runPlaytree, scratchWithTrees } from './support/cliOnTrees.js';
import { markerExists, startPlaytree, waitFor } from './reliability/interruptedRun.js';
import { sshdMissing, startSshd, type TestSshd } from './support/sshd.js';
import { lockFileOf, processesRunning, writeWork } from './support/viaTrees.js';

/*
 * The persistent nspawn container on a tree reached through playtree_via (the default there, as locally):
 * one container serves a play's tasks, become works inside it, and an interrupted run stops the command (its
 * trap runs), then the container, leaving nothing on the build host. Through the local connection and a real
 * sshd as carriers. The play's copy, template and fetch through it: trees-e2e-via*.test.ts.
 */

const skip = realTreeSkipReason();

/** /run is a tmpfs of the container's own: a file there is seen by a later task only in the same container. */
const PLAY = `- hosts: trees
  gather_facts: false
  tasks:
    - shell: echo same-container > /run/playtree-marker; sleep 600 >/dev/null 2>&1 & echo $! > /root/job.pid
    - shell: cat /run/playtree-marker; kill -0 "$(cat /root/job.pid)" && echo job-running
      register: seen
    - command: id -un
      become: true
      become_user: nobody
      become_method: su
      register: who
    - debug: msg="{{ (seen.stdout_lines + [who.stdout]) | join(',') }}"
`;

const LONG = `- hosts: trees
  gather_facts: false
  tasks:
    - shell: trap 'echo stopping >&2; sleep 0.5; rm -f /root/started; exit 3' TERM; touch /root/started; sleep 765 & wait; touch /root/after
`;

/** Start playtree with TMPDIR (the build host's temporary folders through the local carrier) set for it alone. */
function startWithTmp(scratch: string, args: string[], tmp: string | undefined): ReturnType<typeof startPlaytree> {
  const before = process.env['TMPDIR'];
  if (tmp !== undefined) process.env['TMPDIR'] = tmp;
  try {
    return startPlaytree(scratch, args);
  } finally {
    if (before === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = before;
  }
}

describe('the persistent nspawn container through playtree_via', { skip }, () => {
  let sshd: TestSshd | undefined;
  let scratch = '';
  let tree = '';
  let tmp = '';
  let remove = async () => {};
  const carriers = [{ name: 'local', group: 'bylocal', tmpFolder: () => tmp }, { name: 'ssh', group: 'byssh', tmpFolder: () => '/tmp' }];

  before(async () => {
    const copies = await scratchWithTrees(1);
    ({ scratch, remove } = copies);
    tree = copies.trees[0]!;
    if (!sshdMissing()) sshd = await startSshd();
    const builder = sshd ? Object.entries(sshd.hostVars()).map(([key, value]) => `${key}='${value}'`).join(' ') : 'ansible_connection=local';
    tmp = await writeWork(
      scratch,
      `[builders]\nlocalbuilder ansible_connection=local\nsshbuilder ${builder}\n` +
        `[bylocal]\nlocaltree ansible_host=${tree} ansible_connection=nspawn playtree_via=localbuilder\n` +
        `[byssh]\nsshtree ansible_host=${tree} ansible_connection=nspawn playtree_via=sshbuilder\n` +
        `[other]\nnobodytree ansible_host=${tree} ansible_connection=nspawn playtree_via=localbuilder ansible_user=nobody\n` +
        `[trees:children]\nbylocal\nbyssh\n`,
    );
    await writeFile(join(scratch, 'persistent.yml'), PLAY);
    await writeFile(join(scratch, 'long.yml'), LONG);
  });
  after(async () => {
    await sshd?.stop();
    await remove();
  });

  for (const { name, group, tmpFolder } of carriers) {
    test(`through ${name}: a play's tasks run in one container (a background job and a file in /run seen by the next task), become works, and nothing is left after the run`, { skip: name === 'ssh' && sshdMissing() }, async () => {
      const run = await runPlaytree(scratch, ['-v', '-i', 'hosts.ini', '--limit', group, 'persistent.yml'], name === 'local' ? { TMPDIR: tmp } : {});
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(debugMessages(run.stdout), ['same-container,job-running,nobody']);
      assert.doesNotMatch(run.stdout + run.stderr, /one container per command/);
      assert.deepEqual(await leftoversOf(tree), [], 'the container stopped with the run, its background job with it');
      assert.deepEqual(await processesRunning('sleep\u0000600'), []);
      assert.deepEqual((await readdir(tmpFolder())).filter((entry) => entry.startsWith('playtree-via.')), [], 'no temporary folder left');
    });

    test(`through ${name}: SIGTERM during a long command: exit 99, the command's trap ran, the container stopped, nothing left on the build host`, { skip: name === 'ssh' && sshdMissing() }, async () => {
      for (const marker of ['started', 'after']) await rm(join(tree, 'root', marker), { force: true });
      const run = startWithTmp(scratch, ['-i', 'hosts.ini', '--limit', group, 'long.yml'], name === 'local' ? tmp : undefined);
      await waitFor(run, 'the command started', () => markerExists(join(tree, 'root/started')));
      process.kill(run.pid, 'SIGTERM');
      const exit = await run.exited;
      assert.equal(exit.code, 99, exit.stdout + exit.stderr);
      assert.equal(existsSync(join(tree, 'root/started')), false, "the command's trap ran");
      assert.equal(existsSync(join(tree, 'root/after')), false, 'the interrupted command did not go on');
      assert.deepEqual(await leftoversOf(tree), [], 'no process, nspawn, mount or nspawn lock left');
      assert.deepEqual(await processesRunning('sleep\u0000765'), []);
      assert.equal(existsSync(await lockFileOf(tree)), false, 'no run lock left');
      assert.deepEqual((await readdir(tmpFolder())).filter((entry) => entry.startsWith('playtree-via.')), [], 'no temporary folder left');
    });
  }

  test('another ansible_user through playtree_via gets one container per command, said at -v, and runs as that user', async () => {
    await writeFile(join(scratch, 'whoami.yml'), '- hosts: other\n  gather_facts: false\n  tasks:\n    - command: id -un\n      register: who\n    - debug: var=who.stdout\n');
    const run = await runPlaytree(scratch, ['-v', '-i', 'hosts.ini', 'whoami.yml'], { TMPDIR: tmp });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(recap(run.stdout, 'nobodytree')['ok'], 2);
    assert.match(run.stdout, /"who\.stdout": "nobody"/);
    assert.match(run.stdout, /<nobodytree> the tree is on build host localbuilder \(playtree_via\) and ansible_user is nobody: one container per command/);
  });
});
