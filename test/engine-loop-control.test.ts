import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectedOutput, normalise, runPlaytree, tempRoot } from './fixtures/e2e/runPlaytree.js';

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
