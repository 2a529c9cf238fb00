import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { realTreeSkipReason } from './support/imageTree.js';
import { debugMessages, runPlaytree, scratchWithTrees } from './support/cliOnTrees.js';

test('a host that fails has its container stopped before the other hosts go on', { skip: realTreeSkipReason() }, async () => {
  const { scratch, trees, remove } = await scratchWithTrees(1);
  const tree = trees[0]!;
  try {
    await writeFile(join(scratch, 'inv.ini'), `[trees]\n${tree} ansible_connection=nspawn\n[all:vars]\ntree_path=${tree}\n[controller]\nlocalhost ansible_connection=local\n`);
    await writeFile(
      join(scratch, 'play.yml'),
      `- hosts: all
  gather_facts: false
  tasks:
    - name: Start using every host (the tree's container starts here)
      command: "true"
    - name: The tree fails
      command: "false"
      when: inventory_hostname != 'localhost'
    - name: Count the tree's containers from the controller
      shell: ps -eo args | grep -c "^systemd-nspawn --directory={{ tree_path }} " || true
      register: containers
      when: inventory_hostname == 'localhost'
    - debug:
        msg: "containers={{ containers.stdout }}"
      when: inventory_hostname == 'localhost'
`,
    );
    const run = await runPlaytree(scratch, ['-i', 'inv.ini', 'play.yml']);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.deepEqual(debugMessages(run.stdout), ['containers=0']);
  } finally {
    await remove();
  }
});
