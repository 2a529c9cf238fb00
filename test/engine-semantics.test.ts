import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recapOf, runWithFiles } from './fixtures/e2e/runPlaytree.js';

/** play.yml and its files, run on the local host `a`; every line of stdout. */
function runPlay(files: Record<string, string>, extraArgs: string[] = []) {
  return runWithFiles({ 'hosts.ini': 'a ansible_connection=local\n', ...files }, ['-i', 'hosts.ini', ...extraArgs, 'play.yml']);
}

function play(tasks: string, header = ''): string {
  return `- hosts: all\n  gather_facts: false\n${header}  tasks:\n${tasks.replace(/^/gm, '    ')}\n`;
}

test('a task whose loop is undefined is skipped, not failed, when its when is false (include_tasks too)', async () => {
  const run = await runPlay({
    'play.yml': play('- debug: msg={{ item }}\n  loop: "{{ nosuch }}"\n  when: nosuch is defined\n- include_tasks: x.yml\n  loop: "{{ nosuch }}"\n  when: false\n- include_tasks: x.yml\n  loop: []'),
  });
  assert.equal(run.code, 0, run.stdout);
  assert.equal(recapOf(run.stdout, 'a'), 'a                          : ok=0    changed=0    unreachable=0    failed=0    skipped=3    rescued=0    ignored=0');
});

test('a task whose loop is undefined still fails when its when holds', async () => {
  const run = await runPlay({ 'play.yml': play('- debug: msg={{ item }}\n  loop: "{{ nosuch }}"\n  when: true') });
  assert.equal(run.code, 2);
  assert.match(run.stdout, /'nosuch' is undefined/);
});
