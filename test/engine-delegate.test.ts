import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { expectedOutput, runPlaytree, tempRoot } from './fixtures/e2e/runPlaytree.js';

test('delegate_to and local_action run through the delegated host’s connection, with the task host’s variables', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    // `ghost` can never be reached: every task that ran on it directly would be UNREACHABLE.
    await writeFile(join(root, 'inv.ini'), `ghost ansible_connection=nosuch where=ghost-vars\nbuilder ansible_connection=local\n`);
    await writeFile(
      join(root, 'play.yml'),
      `- hosts: ghost
  gather_facts: false
  tasks:
    - name: On the controller
      copy:
        content: "{{ where }} {{ inventory_hostname }}\\n"
        dest: ${root}/from-localhost
      delegate_to: localhost
    - name: On another inventory host
      command: touch ${root}/from-builder
      delegate_to: builder
    - name: The local_action form
      local_action: command touch ${root}/from-local-action
    - name: To a host nobody knows
      command: "true"
      delegate_to: nowhere
      ignore_errors: true
`,
    );
    const run = await runPlaytree(['-i', join(root, 'inv.ini'), join(root, 'play.yml')], { cwd: root });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(await readFile(join(root, 'from-localhost'), 'utf8'), 'ghost-vars ghost\n');
    await readFile(join(root, 'from-builder'));
    await readFile(join(root, 'from-local-action'));
    assert.match(run.stdout, /fatal: \[ghost -> nowhere\]: FAILED! => \{"changed": false, "msg": "delegate_to: 'nowhere' is not a host of the inventory; add it there, or delegate to localhost/);
    assert.match(run.stdout, /^changed: \[ghost -> localhost\]$/m);
    assert.match(run.stdout, /^changed: \[ghost -> builder\]$/m);
    assert.match(run.stdout, /ghost +: ok=4 +changed=3 +unreachable=0 +failed=0 +skipped=0 +rescued=0 +ignored=1/);
  } finally {
    await cleanup();
  }
});

test('delegate_to: localhost runs on the controller even with -c naming another connection, as Ansible’s implicit localhost', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    await writeFile(join(root, 'inv.ini'), `target ansible_connection=local\n`);
    await writeFile(
      join(root, 'play.yml'),
      `- hosts: target
  gather_facts: false
  tasks:
    - command: touch ${root}/from-localhost
      delegate_to: localhost
`,
    );
    const run = await runPlaytree(['-i', join(root, 'inv.ini'), '-c', 'chroot', join(root, 'play.yml')], { cwd: root });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^changed: \[target -> localhost\]$/m);
    await readFile(join(root, 'from-localhost'));
  } finally {
    await cleanup();
  }
});

test('delegate_facts (task or block) puts set_fact and setup facts on the delegated host, localhost too; without it they stay', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'delegate-facts.yml', '-f', '1']);
  assert.equal(run.code, 0);
  assert.equal(run.stdout, await expectedOutput('delegate-facts'));
});
