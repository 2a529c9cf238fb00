import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedOutput, normalise, runPlaytree } from './fixtures/e2e/runPlaytree.js';

test('handlers run once, in written order, at flush_handlers and the end of tasks, never on a failed host', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'handlers.yml', '-f', '1']);
  assert.equal(run.code, 2, 'beta failed');
  assert.equal(normalise(run.stdout, '/nonexistent'), await expectedOutput('handlers'));
});
