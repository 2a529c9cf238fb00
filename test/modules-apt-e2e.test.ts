import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { realTreeSkipReason } from './support/imageTree.js';
import { debugMessages, recap, runPlaytree, scratchWithTrees, type PlaytreeRun } from './support/cliOnTrees.js';

/** apt, package and debconf end to end through bin/playtree.js on a real tree with the nspawn driver. */

const skip = realTreeSkipReason();

const PLAYBOOK = `- hosts: all
  gather_facts: false
  tasks:
    - name: answer debconf before installing
      debconf:
        name: debconf
        question: debconf/frontend
        vtype: select
        value: Noninteractive
    - name: install hello
      apt:
        name: [hello]
        update_cache: true
        cache_valid_time: 3600
        install_recommends: false
      register: installed
    - name: sl stays absent
      ansible.builtin.package:
        name: sl
        state: absent
    - debug:
        msg: "apt changed={{ installed.changed }} cache_updated={{ installed.cache_updated }}"
`;

describe('apt and debconf through the CLI on an nspawn tree', { skip }, () => {
  let tree = '';
  let remove = async () => {};
  let first: PlaytreeRun;
  let second: PlaytreeRun;
  before(async () => {
    const made = await scratchWithTrees(1);
    ({ remove } = made);
    tree = made.trees[0]!;
    const inventory = join(made.scratch, 'hosts.ini');
    const playbook = join(made.scratch, 'image.yml');
    await writeFile(inventory, `${tree} ansible_connection=nspawn\n`);
    await writeFile(playbook, PLAYBOOK);
    first = await runPlaytree(made.scratch, ['-i', inventory, playbook]);
    second = await runPlaytree(made.scratch, ['-i', inventory, playbook]);
  });
  after(async () => remove());

  test('the first run installs the package into the tree and changes debconf and apt only', () => {
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.deepEqual(recap(first.stdout, tree), { ok: 4, changed: 2, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 });
    assert.deepEqual(debugMessages(first.stdout), ['apt changed=True cache_updated=True']);
    assert.ok(existsSync(join(tree, 'usr/bin/hello')));
    assert.equal(existsSync(join(tree, 'usr/sbin/policy-rc.d')), false);
  });

  test('the second run changes nothing: the cache is still valid and hello is installed', () => {
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.equal(recap(second.stdout, tree)['changed'], 0, second.stdout);
    assert.deepEqual(debugMessages(second.stdout), ['apt changed=False cache_updated=False']);
  });
});
