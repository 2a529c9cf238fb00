import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { expectedOutput, FIXTURES, normalise, runPlaytree, runWithFiles } from './fixtures/e2e/runPlaytree.js';

test('handlers run once, in written order, at flush_handlers and the end of tasks, never on a failed host', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'handlers.yml', '-f', '1']);
  assert.equal(run.code, 2, 'beta failed');
  assert.equal(normalise(run.stdout, '/nonexistent'), await expectedOutput('handlers'));
});

test('-vv names each notified handler once (listeners by their own name) and each flush per host', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'handlers.yml', '-f', '1', '-vv']);
  const lines = run.stdout.split('\n');
  const notified = lines.filter((line) => line.startsWith('NOTIFIED HANDLER'));
  assert.deepEqual(notified, [
    'NOTIFIED HANDLER second handler for alpha',
    'NOTIFIED HANDLER first handler for alpha',
    'NOTIFIED HANDLER second handler for beta',
    'NOTIFIED HANDLER first handler for beta',
    'NOTIFIED HANDLER listener for alpha',
    'NOTIFIED HANDLER listener for beta',
  ]);
  assert.deepEqual(lines.filter((line) => line.startsWith('META:')), ['META: triggered running handlers for alpha', 'META: triggered running handlers for beta']);
  assert.ok(lines.includes('task path: ' + join(FIXTURES, 'handlers.yml') + ':7'));
});

test('force_handlers: a failed host runs what it notified at its section end (not at a later meta flush), then stops', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'force-handlers.yml', '-f', '1']);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, await expectedOutput('force-handlers'));
});

test('--force-handlers forces the handlers of a play that does not set force_handlers', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'force-handlers.yml', '-f', '1', '--force-handlers']);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, await expectedOutput('force-handlers-cli'));
});

/** play.yml and its files, run on one local host. */
function runFiles(files: Record<string, string>) {
  return runWithFiles({ 'h.ini': 'localhost ansible_connection=local\n', ...files }, ['-i', 'h.ini', 'play.yml']);
}

// Each expected output below is ansible-playbook 2.14's for the same files.

test('handlers keep the vars and when of the blocks and imports they are written in', async () => {
  const run = await runFiles({
    'play.yml': `- hosts: all
  gather_facts: false
  vars: { x: play }
  tasks:
    - command: /bin/true
      notify: [h1, h2, h3, imported]
  handlers:
    - block:
        - name: h1
          debug: msg="x={{ x }}"
        - name: h2
          debug: msg="should be skipped"
          when: false
      vars: { x: block }
    - block:
        - name: h3
          debug: msg="in a false block"
      when: false
    - import_tasks: hf.yml
      vars: { y: from_import }
`,
    'hf.yml': '- name: imported\n  debug: msg="imported {{ y }}"\n',
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.stdout, await expectedOutput('handler-scopes'));
});

test('every handler listening to a topic runs, and a handler notified by a handler runs in the same flush', async () => {
  const run = await runFiles({
    'play.yml': `- hosts: all
  gather_facts: false
  tasks:
    - command: /bin/true
      notify: topic
    - command: /bin/true
      notify: first
  handlers:
    - name: first
      debug: msg=first
      notify: chained
      changed_when: true
    - name: second
      debug: msg=second
      listen: topic
    - name: third
      debug: msg=third
      listen: topic
    - name: chained
      debug: msg=chained
      changed_when: true
`,
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.stdout, await expectedOutput('handler-listeners'));
});

test("a role's handler sees its role params; an include_role of the same role brings its own copy, notified by its tasks", async () => {
  const run = await runFiles({
    'play.yml': `- hosts: all
  gather_facts: false
  roles:
    - { role: r, p: param }
  tasks:
    - include_role: { name: r }
      vars: { p: included, d: over }
`,
    'roles/r/tasks/main.yml': '- command: /bin/true\n  notify: rh\n',
    'roles/r/handlers/main.yml': '- name: rh\n  debug: msg="p={{ p }} d={{ d }}"\n',
    'roles/r/defaults/main.yml': 'd: default\n',
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.stdout, await expectedOutput('handler-roles'));
});

test('notifying a handler that does not exist ends the run with exit 1 and no recap, as ansible-playbook', async () => {
  const run = await runFiles({
    'play.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: /bin/true\n      notify: nowhere\n    - debug: msg=never\n',
  });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.equal(
    run.stderr,
    "ERROR! The requested handler 'nowhere' was not found in either the main handlers list nor in the listening handlers list\n",
  );
  assert.doesNotMatch(run.stdout, /never|PLAY RECAP/);
});

test('an included task file that does not parse ends the run with exit 4, naming its file and line', async () => {
  const run = await runFiles({
    'play.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - include_tasks: bad.yml\n    - debug: msg=never\n',
    'bad.yml': '- debug: msg=x\n  wen: 1\n',
  });
  assert.equal(run.code, 4, run.stdout + run.stderr);
  assert.equal(run.stderr, 'ERROR! ROOT/bad.yml:1:3: conflicting action statements: debug, wen\n');
  assert.doesNotMatch(run.stdout, /never|PLAY RECAP/);
});
