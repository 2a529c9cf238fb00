import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { normalise, runPlaytree, tempRoot } from './fixtures/e2e/runPlaytree.js';

test('until retries a task until its condition holds, printing what ansible-playbook prints', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    const playbook = join(root, 'until.yml');
    await writeFile(
      playbook,
      `- hosts: alpha
  gather_facts: false
  tasks:
    - name: count up
      shell: echo x >> ${root}/count; wc -l < ${root}/count
      register: r
      until: r.stdout | int >= 3
      retries: 5
      delay: 0
    - debug:
        msg: "{{ r.attempts }} attempts"
    - name: never
      command: "false"
      register: n
      until: n.rc == 0
      retries: 1
      delay: 0
      ignore_errors: true
`,
    );
    const run = await runPlaytree(['-i', 'hosts.ini', playbook]);
    assert.equal(run.code, 0, run.stderr);
    const lines = normalise(run.stdout, root).split('\n');
    assert.deepEqual(lines.filter((line) => line.startsWith('FAILED - RETRYING')), [
      'FAILED - RETRYING: [alpha]: count up (5 retries left).',
      'FAILED - RETRYING: [alpha]: count up (4 retries left).',
      'FAILED - RETRYING: [alpha]: never (1 retries left).',
    ]);
    assert.ok(lines.includes('    "msg": "3 attempts"'), run.stdout);
    assert.ok(lines.some((line) => line.startsWith('fatal: [alpha]: FAILED! => {"attempts": 1, "changed": true, "cmd": ["false"]')), run.stdout);
    assert.match(run.stdout, /alpha +: ok=3 +changed=2 +unreachable=0 +failed=0 +skipped=0 +rescued=0 +ignored=1/);
  } finally {
    await cleanup();
  }
});

test('changed_when and failed_when see attempts while until retries, and a false failed_when keeps the task from failing when retries run out', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    const playbook = join(root, 'until.yml');
    await writeFile(
      playbook,
      `- hosts: alpha
  gather_facts: false
  tasks:
    - name: retried
      command: "true"
      register: r
      until: false
      retries: 2
      delay: 0
      changed_when: r.attempts > 1
      failed_when: r.attempts > 6
    - debug:
        msg: "{{ r.attempts }} {{ r.changed }}"
`,
    );
    const run = await runPlaytree(['-i', 'hosts.ini', playbook]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const lines = normalise(run.stdout, root).split('\n');
    // ansible-playbook 2.14 shows the task as changed, not failed.
    assert.ok(lines.includes('changed: [alpha]'), run.stdout);
    assert.ok(lines.includes('    "msg": "2 True"'), run.stdout);
  } finally {
    await cleanup();
  }
});
