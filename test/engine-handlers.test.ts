import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { expectedOutput, FIXTURES, normalise, runPlaytree } from './fixtures/e2e/runPlaytree.js';

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
