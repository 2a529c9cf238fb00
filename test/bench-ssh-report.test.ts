import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overSshReport, type SshFigures } from '../bench/overSsh.js';

/* The bench's ssh part reports per-task costs from the 10- and 50-task runs and the ratios to ansible-playbook. */

const run = (seconds: number, controllerCpu: number, targetCpu: number, commands = 0) => ({
  seconds, controllerCpu, targetCpu, commands, cpuSeconds: controllerCpu, peakMb: 70, exitCode: 0,
  output: 'TASK [a] ***\n<127.0.0.1> SSH: EXEC ssh x\n<127.0.0.1> SSH: EXEC ssh y\n',
});

test('the ssh bench report gives the per-task cost of 40 more tasks, both ends CPU, and the wall and CPU ratios to ansible', () => {
  const figures: SshFigures = {
    small: run(1, 0.5, 0.2, 20),
    large: run(3, 1.7, 1.0, 108),
    playtree30: run(2, 1, 0.5),
    ansible30: run(30, 9, 6),
    load: [3, 4],
  };
  const text = overSshReport(figures).join('\n');
  assert.match(text, /\| playtree, ssh \| 1\.00 \| 3\.00 \| 50\.0 \| 50\.0 \| 20\.0 \| 2\.20 \| 70 \|/);
  assert.match(text, /ansible-playbook over ssh: 15\.0× in wall time, 10\.0× in CPU time/);
  assert.match(text, /load average 3\.0 before, 4\.0 after/);
  assert.match(text, /\| a \| 2 \|/);
  assert.deepEqual(overSshReport('needs root'), ['Over ssh: left out (needs root).']);
});

test('with a tree, the report adds the row of the same playbooks in an nspawn tree on the ssh build host', () => {
  const figures: SshFigures = {
    small: run(1, 0.5, 0.2, 20),
    large: run(3, 1.7, 1.0, 108),
    playtree30: run(2, 1, 0.5),
    ansible30: undefined,
    remoteNspawn: { small: run(2, 0.6, 0.3, 14), large: run(2.8, 1.4, 0.7, 70) },
    load: [1, 1],
  };
  const text = overSshReport(figures).join('\n');
  assert.match(text, /\| playtree, nspawn tree on the ssh build host \(playtree_via, persistent container\) \| 2\.00 \| 2\.80 \| 20\.0 \| 30\.0 \| 10\.0 \| 1\.40 \| 70 \|/);
  assert.doesNotMatch(overSshReport({ ...figures, remoteNspawn: undefined }).join('\n'), /playtree_via/);
});
