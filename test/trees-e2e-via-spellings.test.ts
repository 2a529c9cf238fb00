import assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { machineNameOf } from '../connections/nspawnArgv.js';
import { realTreeSkipReason } from './support/imageTree.js';
import { recap, runPlaytree, scratchWithTrees } from './support/cliOnTrees.js';
import { markerExists, startPlaytree, waitFor } from './reliability/interruptedRun.js';
import { lockFileOf } from './support/viaTrees.js';

/*
 * One tree spelled several ways through one build host (playtree_via): `/x/tree`, `/x/tree/` and a symlink to
 * it are one tree there, resolved on the build host, as the controller resolves a local tree. One run shares
 * its lock between them, and with another name of the same build host and with the controller itself (the
 * build host here is this machine); another run is refused whatever way it takes; a second tree has its own lock.
 * The carrier is the local connection: every build-host command still goes through its exec.
 */

const skip = realTreeSkipReason();

/** Each host writes a file named after itself into its tree. */
const MARK_PLAY = `- hosts: "{{ target | default('trees') }}"
  gather_facts: false
  tasks:
    - copy: { content: "{{ inventory_hostname }}\\n", dest: "/etc/spelled-{{ inventory_hostname }}" }
`;

/** Sits in the tree until the test creates /release there. */
const HOLD_PLAY = `- hosts: slash
  gather_facts: false
  tasks:
    - command: sh -c 'touch /holding; while [ ! -e /release ]; do sleep 0.05; done; rm -f /release /holding'
`;

describe('one tree spelled three ways through one build host', { skip }, () => {
  let scratch = '';
  let trees: string[] = [];
  let remove = async () => {};
  let tmp = '';

  before(async () => {
    ({ scratch, trees, remove } = await scratchWithTrees(2));
    const link = join(scratch, 'link-to-tree');
    await symlink(trees[0]!, link);
    const via = 'playtree_via=builder';
    await writeFile(
      join(scratch, 'hosts.ini'),
      `[builders]\nbuilder ansible_connection=local\nbuilder2 ansible_connection=local\n[trees]\n` +
        `plain ansible_host=${trees[0]} ansible_connection=chroot ${via}\n` +
        `again ansible_host=${trees[0]} ansible_connection=chroot playtree_via=builder2\n` +
        `direct ansible_host=${trees[0]} ansible_connection=chroot\n` +
        `slash ansible_host=${trees[0]}/ ansible_connection=chroot ${via}\n` +
        `linked ansible_host=${link} ansible_connection=nspawn ${via}\n` +
        `other ansible_host=${trees[1]} ansible_connection=chroot ${via}\n`,
    );
    await writeFile(join(scratch, 'mark.yml'), MARK_PLAY);
    await writeFile(join(scratch, 'hold.yml'), HOLD_PLAY);
    tmp = join(scratch, 'buildhost-tmp');
    await mkdir(tmp);
  });
  after(async () => remove());

  test('one run: the three spellings, another name of the build host and the controller itself share the tree lock, no refusal', async () => {
    const run = await runPlaytree(scratch, ['-f', '6', '-vvv', '-i', 'hosts.ini', 'mark.yml'], { TMPDIR: tmp });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // The (persistent) container is named after the tree's canonical path on the build host, as for a local tree.
    const machine = machineNameOf(join(scratch, 'link-to-tree'), realpathSync(trees[0]!));
    assert.match(run.stdout, new RegExp(`<linked> NSPAWN START \\(on build host builder\\) .*--machine\\\\=${machine} `));
    for (const host of ['plain', 'slash', 'linked', 'again', 'direct', 'other']) {
      assert.deepEqual([recap(run.stdout, host)['changed'], recap(run.stdout, host)['unreachable']], [1, 0], host);
    }
    for (const host of ['plain', 'slash', 'linked', 'again', 'direct']) assert.equal(await readFile(join(trees[0]!, `etc/spelled-${host}`), 'utf8'), `${host}\n`);
    assert.equal(await readFile(join(trees[1]!, 'etc/spelled-other'), 'utf8'), 'other\n');
    assert.equal(existsSync(join(trees[1]!, 'etc/spelled-plain')), false, 'the other tree is another tree');
    for (const tree of trees) assert.equal(existsSync(await lockFileOf(tree)), false, `no lock file left for ${tree}`);
    assert.deepEqual(await readdir(tmp), []);
  });

  test('a second run is refused on the held tree whichever way it reaches it, and runs on the other tree', async () => {
    await writeFile(join(scratch, 'ansible.cfg'), '');
    const holding = startPlaytree(scratch, ['-i', 'hosts.ini', 'hold.yml']);
    try {
      await waitFor(holding, 'the first run to hold the tree', () => markerExists(join(trees[0]!, 'holding')));
      const second = await runPlaytree(scratch, ['-f', '4', '-i', 'hosts.ini', 'mark.yml', '-e', 'target=plain,linked,again,direct,other'], { TMPDIR: tmp });
      assert.equal(second.code, 4, second.stdout + second.stderr);
      for (const [host, where] of [['plain', ' on build host builder'], ['linked', ' on build host builder'], ['again', ' on build host builder2'], ['direct', '']]) {
        assert.equal(recap(second.stdout, host!)['unreachable'], 1, host);
        assert.match(second.stdout, new RegExp(`fatal: \\[${host}\\]: UNREACHABLE! => {"changed": false, "msg": "${host}: tree \\S+${where} is in use by another playtree run \\(pid ${holding.pid}, `));
      }
      assert.deepEqual([recap(second.stdout, 'other')['ok'], recap(second.stdout, 'other')['unreachable']], [1, 0]);
    } finally {
      await writeFile(join(trees[0]!, 'release'), '');
      const first = await holding.exited;
      assert.equal(first.code, 0, first.stdout + first.stderr);
    }
  });
});
