import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedOutput, runPlaytree } from './fixtures/e2e/runPlaytree.js';

// Options → the ansible-playbook 2.14 stdout kept in expected/tags-NAME.out (all on tags.yml).
const cases: Array<[name: string, args: string[]]> = [
  ['default', []],
  ['only-config', ['-t', 'config']],
  ['skip-always', ['--skip-tags', 'always']],
  ['never-by-name', ['-t', 'debugonly']],
  ['block-minus-inner', ['-t', 'blocky', '--skip-tags', 'inner']],
  ['start-at', ['--start-at-task', 'Inside the block']],
  ['list-tasks', ['--list-tasks']],
  ['list-tags', ['--list-tags']],
  ['list-hosts', ['--list-hosts']],
  ['list-tasks-config', ['--list-tasks', '-t', 'config']],
  ['syntax-check', ['--syntax-check']],
];

for (const [name, args] of cases) {
  test(`tags.yml with ${args.join(' ') || 'no options'} prints what ansible-playbook prints`, async () => {
    const run = await runPlaytree(['-i', 'hosts.ini', 'tags.yml', ...args]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, await expectedOutput(`tags-${name}`));
  });
}

test('a setup task of the user is skipped by --tags like any task, while Gathering Facts still runs', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'tagged-setup.yml', '-t', 'y']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(
    run.stdout.split('\n').filter((line) => line.startsWith('TASK [')).map((line) => line.replace(/ \*+$/, '')),
    ['TASK [Gathering Facts]', 'TASK [Tagged y]'],
  );
});
