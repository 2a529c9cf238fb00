import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedOutput, normalise, runPlaytree } from './fixtures/e2e/runPlaytree.js';

const CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";
/**
 * The only places nolog.yml prints a secret: debug of what register kept, and a task included by a no_log
 * include_tasks (the include's no_log does not reach its tasks in ansible-core 2.14).
 */
const SHOWN = ['    "secret.stdout": "s3cret-cmd"', '    "failing.stdout": "s3cret-fail"', '    "msg": "s3cret-include"'];

test('no_log censors results, loop items (item=None), includes and failures as ansible-playbook does; register keeps the real values', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'nolog.yml']);
  assert.equal(run.code, 0);
  assert.equal(normalise(run.stdout, '/nonexistent'), await expectedOutput('nolog'));
});

test('no_log at -v shows the censored result with changed, as ansible-playbook does', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'nolog.yml', '-v']);
  assert.equal(normalise(run.stdout, '/nonexistent'), await expectedOutput('nolog-v'));
});

test('no_log at -vvvv prints no secret: the commands a no_log task runs are not logged', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'nolog.yml', '-vvvv']);
  const leaks = run.stdout.split('\n').filter((line) => line.includes('s3cret'));
  assert.deepEqual(leaks, SHOWN);
  assert.doesNotMatch(run.stderr, /s3cret/);
});

test('no_log in --json output: the censored result with changed/failed/skipped, no secret', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'nolog.yml', '--json']);
  const doc = JSON.parse(run.stdout) as { plays: Array<{ tasks: Array<{ task: { name: string }; hosts: Record<string, unknown> }> }> };
  const byName = new Map(doc.plays[0]!.tasks.map((task) => [task.task.name, task.hosts['alpha']]));
  assert.deepEqual(byName.get('secret command'), { censored: CENSORED, changed: true, status: 'changed' });
  assert.deepEqual(byName.get('skipped secret'), { censored: CENSORED, changed: false, skipped: true, status: 'skipped' });
  assert.deepEqual(byName.get('failed items, ignored'), { censored: CENSORED, changed: true, failed: true, status: 'failed', ignored: true });
  const shown = JSON.stringify([...byName.entries()].filter(([name]) => !name.startsWith('register holds') && name !== 'included with the secret'));
  assert.doesNotMatch(shown, /s3cret/);
});
