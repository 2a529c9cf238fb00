import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pauseModule } from '../modules/pause.js';
import { runModule } from './support/moduleRun.js';

test('pause waits the seconds given and answers with Ansible result keys', async () => {
  const result = await runModule(pauseModule, { seconds: 1 });
  assert.equal(result.changed, false);
  assert.equal(result['delta'], 1);
  assert.match(String(result.stdout), /^Paused for 1\.\d+ seconds$/);
  assert.match(String(result['start']), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  assert.equal(result['user_input'], '');
});

test('pause with only a prompt goes on at once with a warning: nothing is read from a terminal', async () => {
  const result = await runModule(pauseModule, { prompt: 'Ready?' });
  assert.deepEqual(result['warnings'], ['Not waiting for response to prompt as stdin is not interactive']);
  assert.equal(result['delta'], 0);
});
