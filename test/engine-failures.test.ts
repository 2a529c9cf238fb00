import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectedOutput, normalise, recapOf, runPlaytree, tempRoot } from './fixtures/e2e/runPlaytree.js';

test('block/rescue/always: a host in its block runs before another in rescue; rescued is counted', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'blocks.yml', '-f', '1']);
  assert.equal(run.code, 2);
  assert.equal(normalise(run.stdout, '/nonexistent'), await expectedOutput('blocks'));
  assert.match(recapOf(run.stdout, 'beta')!, /failed=1 .*rescued=1/);
});

test('any_errors_fatal stops all hosts with NO MORE HOSTS LEFT and no later play; run_once shares its result', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'fatal.yml', '-f', '1']);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, await expectedOutput('fatal'));
  assert.doesNotMatch(run.stdout, /Never played/);
});

test('when every host of a play failed, later plays do not run and no banner is printed', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'all-fail.yml']);
  assert.equal(run.code, 2);
  assert.doesNotMatch(run.stdout, /NO MORE HOSTS|Second play/);
  assert.equal(recapOf(run.stdout, 'alpha'), 'alpha                      : ok=0    changed=0    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0');
});

test('a failed run_once task fails the play for every host (NO MORE HOSTS LEFT); the recap lists only hosts with results', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    await writeFile(join(root, 'hosts.ini'), '[g]\na ansible_connection=local\nb ansible_connection=local\n');
    await writeFile(
      join(root, 'play.yml'),
      `- hosts: g
  gather_facts: false
  tasks:
    - name: fail once
      fail: msg=down
      run_once: true
    - debug: msg=after
`,
    );
    const run = await runPlaytree(['-i', 'hosts.ini', 'play.yml'], { cwd: root });
    assert.equal(run.code, 2);
    // ansible-playbook 2.14's output for this playbook.
    assert.equal(
      run.stdout,
      `
PLAY [g] ***********************************************************************

TASK [fail once] ***************************************************************
fatal: [a]: FAILED! => {"changed": false, "msg": "down"}

NO MORE HOSTS LEFT *************************************************************

PLAY RECAP *********************************************************************
a                          : ok=0    changed=0    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0   

`,
    );
  } finally {
    await cleanup();
  }
});

test('a failure that a rescue catches does not trigger any_errors_fatal, as in ansible-playbook', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    const playbook = join(root, 'rescued-fatal.yml');
    await writeFile(
      playbook,
      `- hosts: alpha,beta
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - block:
        - command: "false"
          when: inventory_hostname == 'alpha'
      rescue:
        - debug: msg=rescued
    - debug: msg=after
`,
    );
    const run = await runPlaytree(['-i', 'hosts.ini', '-f', '1', playbook]);
    assert.equal(run.code, 0, run.stdout);
    assert.doesNotMatch(run.stdout, /NO MORE HOSTS LEFT/);
    assert.match(run.stdout, /alpha +: ok=2 +changed=0 +unreachable=0 +failed=0 +skipped=0 +rescued=1 +ignored=0/);
    assert.match(run.stdout, /beta +: ok=1 +changed=0 +unreachable=0 +failed=0 +skipped=1 +rescued=0 +ignored=0/);
  } finally {
    await cleanup();
  }
});

test('max_fail_percentage ends the play and the run once more than that share of its hosts failed (rescued and ignored ones not counted)', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'max-fail.yml', '-f', '1']);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, await expectedOutput('max-fail'));
});

test('max_fail_percentage does not count an unreachable host', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    await writeFile(join(root, 'hosts.ini'), 'ghost ansible_connection=chroot ansible_host=/nonexistent/playtree-tree\na1 ansible_connection=local\na2 ansible_connection=local\n');
    await writeFile(join(root, 'play.yml'), '- hosts: all\n  gather_facts: false\n  max_fail_percentage: 10\n  tasks:\n    - ping:\n    - debug: msg=after\n');
    const run = await runPlaytree(['-i', 'hosts.ini', 'play.yml'], { cwd: root });
    assert.doesNotMatch(run.stdout, /NO MORE HOSTS LEFT/);
    assert.match(recapOf(run.stdout, 'a1')!, /ok=2 /);
  } finally {
    await cleanup();
  }
});

test('run_once shares the facts the task set (set_fact, include_vars) with every host; delegate_facts keeps them on the delegate', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    await writeFile(join(root, 'hosts.ini'), '[g]\na ansible_connection=local\nb ansible_connection=local\nc ansible_connection=local\n');
    await writeFile(join(root, 'vars.yml'), 'from_file: loaded by {{ inventory_hostname }}\n');
    await writeFile(
      join(root, 'play.yml'),
      `- hosts: a:b
  gather_facts: false
  tasks:
    - set_fact:
        picked: "{{ inventory_hostname }}"
      run_once: true
    - include_vars: vars.yml
      run_once: true
    - set_fact:
        sent: yes
      run_once: true
      delegate_to: c
      delegate_facts: true
    - debug:
        msg: "{{ inventory_hostname }} {{ picked }} {{ from_file }} {{ sent | default('none') }} {{ hostvars.c.sent }}"
`,
    );
    const run = await runPlaytree(['-i', 'hosts.ini', 'play.yml'], { cwd: root });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /ok: \[a\] => \{\n    "msg": "a a loaded by a none True"\n\}/);
    assert.match(run.stdout, /ok: \[b\] => \{\n    "msg": "b a loaded by b none True"\n\}/);
  } finally {
    await cleanup();
  }
});

test("a module's argument error is registered with ansible-core's bare msg; the printed line also says where the task is", async () => {
  const { root, cleanup } = await tempRoot();
  try {
    await writeFile(
      join(root, 'play.yml'),
      `- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - block:
        - name: bad argument
          copy: {dest: /nonexistent/x, content: x, bogus: 1}
      rescue:
        - debug: var=ansible_failed_result.msg
    - copy: {dest: /nonexistent/x, content: x, bogus: 1}
      register: r
      ignore_errors: true
    - debug: msg="{{ r.msg.endswith('validate.') }} {{ r.keys() | sort | join(',') }}"
`,
    );
    const run = await runPlaytree(['-i', 'localhost,', 'play.yml'], { cwd: root });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /"msg": "Unsupported parameters for \(copy\) module: bogus\. Supported parameters include: [a-z_, ]+\. \(task 'bad argument' at \S+play\.yml:6:11\)"/);
    assert.match(run.stdout, /"ansible_failed_result\.msg": "Unsupported parameters for \(copy\) module: bogus\. Supported parameters include: [a-z_, ]+\."\n/);
    assert.match(run.stdout, /"msg": "True changed,failed,msg"/);
  } finally {
    await cleanup();
  }
});
