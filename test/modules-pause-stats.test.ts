import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recapOf } from './fixtures/e2e/runPlaytree.js';
import { FOUR_HOSTS, messages, play, runPlay } from './support/playRun.js';

const TWO_HOSTS = FOUR_HOSTS.split('\n').slice(0, 2).join('\n') + '\n';

test('pause runs once for the play and, without a terminal on stdin, goes on at once with Ansible\'s warning', async () => {
  const run = await runPlay({
    'hosts.ini': TWO_HOSTS,
    'play.yml': play('- pause:\n    prompt: Continue?\n  register: p\n- debug: msg="{{ p.user_input | default(\'unset\') }}|{{ p.stdout | default(\'unset\') }}|{{ p.echo | default(\'\') }}"'),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /TASK \[pause\] \*+\n\[pause\]\nContinue\?:\nok: \[a\]\n\n/);
  assert.match(run.stderr, /\[WARNING\]: Not waiting for response to prompt as stdin is not interactive/);
  assert.deepEqual(messages(run.stdout).sort(), ['"unset|unset|"', '"|Paused for 0.0 minutes|True"']);
  assert.equal(recapOf(run.stdout, 'b'), 'b                          : ok=1    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0');
});

test('set_stats returns ansible_stats with its options; data that is not a mapping fails', async () => {
  const run = await runPlay({
    'play.yml': play('- set_stats:\n    data: {built: "{{ inventory_hostname }}"}\n    per_host: true\n  register: s\n- debug: msg="{{ s.ansible_stats.data.built }} {{ s.ansible_stats.per_host }} {{ s.ansible_stats.aggregate }}"\n- set_stats:\n    data: [1]'),
  });
  assert.equal(run.code, 2);
  assert.deepEqual(messages(run.stdout), ['"a True True"']);
  assert.match(run.stdout, /The 'data' option needs to be a dictionary\/hash/);
});
