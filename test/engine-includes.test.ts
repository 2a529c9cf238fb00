import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectedOutput, normalise, runPlaytree, runWithFiles, tempRoot } from './fixtures/e2e/runPlaytree.js';

test('roles bring defaults, vars, files, templates and handlers; include/import tasks and roles; import_playbook', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    const run = await runPlaytree(['-i', 'hosts.ini', 'roles.yml', '-e', `root=${root}`]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(normalise(run.stdout, root), await expectedOutput('roles'));
    assert.equal(await readFile(join(root, 'motd'), 'utf8'), 'hello from alpha\n');
    assert.equal(await readFile(join(root, 'static.txt'), 'utf8'), 'static content\n');
  } finally {
    await cleanup();
  }
});

test('include_tasks on several hosts prints one line per file and item and runs the included tasks together', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'includes.yml', '-f', '1']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(normalise(run.stdout, '/nonexistent-root'), await expectedOutput('includes'));
});

/** play.yml and its files, run on two local hosts `a` and `b`. */
function runInFolder(files: Record<string, string>) {
  return runWithFiles({ 'hosts.ini': '[g]\na ansible_connection=local\nb ansible_connection=local\n', ...files }, ['-i', 'hosts.ini', 'play.yml']);
}

test('include_role runs its tasks on every host together, under the banner include_role : NAME, as ansible-playbook', async () => {
  const run = await runInFolder({
    'roles/r/tasks/main.yml': '- name: in role\n  debug: { msg: "{{ inventory_hostname }}" }\n',
    'play.yml': '- hosts: g\n  gather_facts: false\n  tasks:\n    - include_role: name=r\n',
  });
  assert.equal(run.code, 0, run.stdout);
  // ansible-playbook 2.14's output for this playbook.
  assert.equal(
    run.stdout.split('\n').filter(Boolean).slice(1, -3).join('\n'),
    [
      'TASK [include_role : r] ********************************************************',
      'TASK [r : in role] *************************************************************',
      'ok: [a] => {',
      '    "msg": "a"',
      '}',
      'ok: [b] => {',
      '    "msg": "b"',
      '}',
    ].join('\n'),
  );
});

test('include_tasks with with_items flattens the list as the items lookup does, and takes file=NAME', async () => {
  const run = await runInFolder({
    'inc.yml': '- debug: { msg: "item {{ item }}" }\n',
    'play.yml': '- hosts: g\n  gather_facts: false\n  tasks:\n    - include_tasks: file=inc.yml\n      with_items: [[1, 2], 3]\n',
  });
  assert.equal(run.code, 0, run.stdout);
  assert.deepEqual(
    run.stdout.split('\n').filter((line) => line.startsWith('included:')),
    ['included: ROOT/inc.yml for a, b => (item=1)', 'included: ROOT/inc.yml for a, b => (item=2)', 'included: ROOT/inc.yml for a, b => (item=3)'],
  );
});

test('an unnamed task written with its FQCN keeps it in the banner, as ansible-playbook', async () => {
  const run = await runInFolder({ 'play.yml': '- hosts: a\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: { msg: x }\n' });
  assert.match(run.stdout, /^TASK \[ansible\.builtin\.debug\] \*+$/m);
});

test('an include gives its tasks its vars (above set_fact) and its apply: keywords, not its own keywords, as ansible-playbook', async () => {
  const run = await runWithFiles(
    {
      'hosts.ini': '[g]\na ansible_connection=local\nb ansible_connection=local\n',
      'show.yml': `- name: show
  debug: msg="x={{ x }}"
- name: fail here
  command: /bin/false
  when: inventory_hostname == victim
- name: after the failure
  debug: msg="went on"
`,
      'play.yml': `- hosts: g
  gather_facts: false
  tasks:
    - set_fact: { x: from_set_fact }
    - name: apply gives keywords to the included tasks; its vars are block vars
      include_tasks:
        file: show.yml
        apply:
          vars: { x: from_apply_vars, victim: b }
          ignore_errors: true
    - name: include vars outrank set_fact; the include's ignore_errors is its own
      include_tasks: show.yml
      vars: { x: from_include_vars, victim: a }
      ignore_errors: true
`,
    },
    ['-i', 'hosts.ini', 'play.yml', '-f', '1'],
  );
  assert.equal(run.code, 2, run.stderr);
  // ansible-playbook 2.14's output for this playbook (less the Python interpreter it discovers).
  assert.equal(run.stdout, await expectedOutput('include-keywords'));
});

test('include_role: a role that does not parse ends the run (exit 4); a missing role fails the task (exit 2), as ansible-playbook', async () => {
  const broken = await runWithFiles(
    {
      'h.ini': 'localhost ansible_connection=local\n',
      'roles/broken/tasks/main.yml': '- debug: msg=x\n  wen: 1\n',
      'play.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - include_role: { name: broken }\n    - debug: msg=never\n',
    },
    ['-i', 'h.ini', 'play.yml'],
  );
  assert.equal(broken.code, 4, broken.stdout + broken.stderr);
  assert.equal(broken.stderr, 'ERROR! ROOT/roles/broken/tasks/main.yml:1:3: conflicting action statements: debug, wen\n');
  assert.doesNotMatch(broken.stdout, /never|PLAY RECAP/);
  const missing = await runWithFiles(
    {
      'h.ini': 'localhost ansible_connection=local\n',
      'play.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - include_role: { name: nope }\n',
    },
    ['-i', 'h.ini', 'play.yml'],
  );
  assert.equal(missing.code, 2, missing.stdout + missing.stderr);
  assert.match(missing.stdout, /fatal: \[localhost\]: FAILED! => .*the role 'nope' was not found/);
});
