import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectedOutput, normalise, runPlaytree, runWithFiles, tempRoot } from './fixtures/e2e/runPlaytree.js';

test('loop_control extended gives ansible_loop (allitems unless extended_allitems: false); index_var and ansible_loop are in item results', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'loop-control.yml', '-v']);
  assert.equal(run.code, 0);
  assert.equal(normalise(run.stdout, '/nonexistent'), await expectedOutput('loop-control-v'));
});

test('loop_control pause waits between items, not before the first', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    await writeFile(join(root, 'hosts.ini'), 'h ansible_connection=local\n');
    await writeFile(
      join(root, 'play.yml'),
      `- hosts: h
  gather_facts: false
  tasks:
    - command: date +%s.%N
      loop: [1, 2, 3]
      loop_control:
        pause: 0.4
      register: times
    - debug:
        msg: "{{ (times.results[1].stdout | float) - (times.results[0].stdout | float) }} {{ (times.results[2].stdout | float) - (times.results[0].stdout | float) }}"
`,
    );
    const run = await runPlaytree(['-i', 'hosts.ini', 'play.yml'], { cwd: root });
    assert.equal(run.code, 0, run.stderr);
    const [first, both] = /"msg": "([\d.]+) ([\d.]+)"/.exec(run.stdout)!.slice(1).map(Number);
    assert.ok(first! >= 0.4 && both! >= 0.8, `items 2 and 3 started ${first} s and ${both} s after the first`);
  } finally {
    await cleanup();
  }
});

test('an item whose arguments do not render stops the loop and fails the whole task, keeping no item results, as ansible-core', async () => {
  const run = await runWithFiles(
    {
      'h.ini': 'localhost ansible_connection=local\n',
      'play.yml': `- hosts: all
  gather_facts: false
  tasks:
    - command: echo {{ item.x }}
      loop: [{x: 1}, {y: 2}, {x: 3}]
      register: r
      ignore_errors: true
    - debug: msg="{{ r.results is defined }} {{ r.failed }}"
`,
    },
    ['-i', 'h.ini', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const lines = run.stdout.split('\n');
  const task = lines.slice(lines.indexOf(lines.find((line) => line.startsWith('TASK [command]'))!) + 1);
  assert.match(task[0]!, /^changed: \[localhost\] => \(item=\{'x': 1\}\)$/);
  assert.match(task[1]!, /^fatal: \[localhost\]: FAILED! => .*The error was: 'dict object' has no attribute 'x'/);
  assert.equal(task[2], '...ignoring');
  assert.doesNotMatch(run.stdout, /item=\{'x': 3\}/, 'the loop stopped at the failing item');
  assert.match(run.stdout, /"msg": "False True"/);
  // ansible-core counts the task once, as failed (ignored): the changed item does not count.
  assert.match(run.stdout, /localhost +: ok=2 +changed=0 +unreachable=0 +failed=0 +skipped=0 +rescued=0 +ignored=1/);
});

test('each loop item sees the facts and the registered result of the items before it, as ansible-core', async () => {
  const run = await runWithFiles(
    {
      'h.ini': 'localhost ansible_connection=local\n',
      'play.yml': `- hosts: all
  gather_facts: false
  tasks:
    - set_fact:
        seen: "{{ seen | default([]) + [item] }}"
      loop: [a, b, c]
    - command: echo {{ previous.stdout | default('none') }}-{{ item }}
      loop: [1, 2]
      register: previous
    - debug: msg="{{ seen | join(',') }} {{ previous.results | map(attribute='stdout') | join(',') }}"
`,
    },
    ['-i', 'h.ini', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /"msg": "a,b,c none-1,none-1-2"/);
});

test('loop_var and index_var may be templates, for a task and for include_tasks', async () => {
  const run = await runWithFiles(
    {
      'h.ini': 'localhost ansible_connection=local\n',
      'inc.yml': '- debug: msg="included {{ chosen }}"\n',
      'play.yml': `- hosts: all
  gather_facts: false
  vars:
    name: chosen
  tasks:
    - debug: msg="{{ chosen }}@{{ position }}"
      loop: [a]
      loop_control: {loop_var: "{{ name }}", index_var: "{{ 'position' }}"}
    - include_tasks: inc.yml
      loop: [b]
      loop_control: {loop_var: "{{ name }}"}
`,
    },
    ['-i', 'h.ini', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /"msg": "a@0"/);
  assert.match(run.stdout, /"msg": "included b"/);
});

test('what a template makes of a with_<lookup> item or a registered result is not templated again, as Ansible\'s unsafe values', async () => {
  const run = await runWithFiles(
    {
      'h.ini': 'localhost ansible_connection=local\n',
      'host_vars/localhost.yml': '__foo: ["foo{{ ver }}"]\n',
      'play.yml': `- hosts: all
  gather_facts: false
  vars: { ver: '1.0' }
  tasks:
    - set_fact: "{{ item.key }}={{ hostvars[inventory_hostname][item.value] }}"
      with_dict: {foo: __foo}
    - set_fact: "{{ item.key }}_loop={{ hostvars[inventory_hostname][item.value] }}"
      loop: "{{ {'foo': '__foo'} | dict2items }}"
    - command: echo "{{ '{{' }} ver }}"
      register: r
    - set_fact: {lines: "{{ r.stdout_lines }}"}
    - debug: msg="{{ foo[0] == 'foo{' ~ '{ ver }}' }} {{ foo_loop[0] }} {{ lines[0] == '{' ~ '{ ver }}' }}"
`,
    },
    ['-i', 'h.ini', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  // ansible-playbook 2.14: the with_dict copy stays as written, the loop: one is templated when read.
  assert.match(run.stdout, /"msg": "True foo1.0 True"/);
});
