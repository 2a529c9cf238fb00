import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { expectedOutput, FIXTURES, runPlaytree, runWithFiles, tempRoot } from './fixtures/e2e/runPlaytree.js';

test('--json prints one document: plays with tasks and per-host results, stats named as the json callback', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    const run = await runPlaytree(['-i', 'hosts.ini', 'basics.yml', '-e', `root=${root}`, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as {
      plays: Array<{ play: { name: string; hosts: string[] }; tasks: Array<{ task: Record<string, unknown>; hosts: Record<string, Record<string, unknown>> }> }>;
      stats: Record<string, Record<string, number>>;
      warnings: string[];
    };
    assert.deepEqual(doc.stats, { alpha: { ok: 9, changed: 4, unreachable: 0, failures: 0, skipped: 1, rescued: 0, ignored: 1 } });
    assert.deepEqual(doc.plays[0]!.play, { name: 'Basics', hosts: ['alpha'] });
    assert.deepEqual(doc.plays[0]!.tasks[0]!.task, { name: 'Make the folder', action: 'ansible.builtin.file', handler: false, path: join(FIXTURES, 'basics.yml:9:7') });
    const copy = doc.plays[0]!.tasks[1]!.hosts['alpha']!;
    assert.equal(copy['status'], 'changed');
    assert.equal((copy['results'] as unknown[]).length, 2);
    const ignored = doc.plays[0]!.tasks.find((t) => t.task['name'] === 'Fails on purpose but is ignored')!.hosts['alpha']!;
    assert.equal(ignored['status'], 'failed');
    assert.equal(ignored['ignored'], true);
  } finally {
    await cleanup();
  }
});

test('-e @file overrides every other level; later -e win', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'precedence.yml', '-e', 'upto_12=first', '-e', '@extra.yml']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /role_param from_file"/);
  const json = await runPlaytree(['-i', 'hosts.ini', 'precedence.yml', '-e', '{"upto_12": "json"}']);
  assert.match(json.stdout, /role_param json"/);
});

test('ansible.cfg from ANSIBLE_CONFIG gives the inventory, and -v names it first', async () => {
  const run = await runPlaytree(['precedence.yml', '-v', '-e', 'upto_12=extra'], { env: { ANSIBLE_CONFIG: join(FIXTURES, 'cfg/ansible.cfg') } });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.split('\n')[0], `Using ${join(FIXTURES, 'cfg/ansible.cfg')} as config file`);
  assert.match(run.stdout, /role_param extra"/);
});

test('./ansible.cfg in the working folder is read when ANSIBLE_CONFIG is unset', async () => {
  const run = await runPlaytree(['../precedence.yml', '-e', 'upto_12=extra'], { cwd: join(FIXTURES, 'cfg') });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /ok: \[alpha\]/);
});

test('-v without ansible.cfg says no config file was found', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'skips.yml', '-v']);
  assert.equal(run.stdout.split('\n')[0], 'No config file found; using defaults');
});

test('playtree inventory --graph, --host and --list print what ansible-inventory prints', async () => {
  for (const [args, name] of [
    [['--graph'], 'inventory-graph'],
    [['--host', 'alpha'], 'inventory-host-alpha'],
    [['--list'], 'inventory-list'],
    [['--graph', '--vars'], 'inventory-graph-vars'],
  ] as const) {
    const run = await runPlaytree(['inventory', '-i', 'hosts.ini', ...args]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, await expectedOutput(name), name);
  }
});

test('playtree inventory -l keeps only the limited hosts in --list and --graph, and not in --host', async () => {
  const list = await runPlaytree(['inventory', '-i', 'hosts.ini', '--list', '-l', 'web:!beta']);
  assert.equal(list.code, 0, list.stderr);
  const doc = JSON.parse(list.stdout) as Record<string, unknown>;
  // ansible-inventory (ansible-core >= 2.15) drops a group the limit leaves empty, but still names it as a child.
  assert.deepEqual(doc['web'], { hosts: ['alpha'] });
  assert.equal(doc['db'], undefined);
  assert.deepEqual(doc['all'], { children: ['ungrouped', 'web', 'db'] });
  assert.deepEqual(Object.keys((doc['_meta'] as { hostvars: object }).hostvars), ['alpha']);
  const graph = await runPlaytree(['inventory', '-i', 'hosts.ini', '--graph', '--limit', 'beta,gamma']);
  assert.equal(graph.stdout, '@all:\n  |--@ungrouped:\n  |--@web:\n  |  |--beta\n  |--@db:\n  |  |--gamma\n');
  const host = await runPlaytree(['inventory', '-i', 'hosts.ini', '--host', 'gamma', '-l', 'alpha']);
  assert.equal(host.code, 0, host.stderr);
  assert.match(host.stdout, /"upto_9": "group_all"/);
});

test('several playbooks share host state and a cumulative recap, and a failed playbook is the last one run, as ansible-playbook', async () => {
  const files = {
    'two.ini': '[g]\nh1 ansible_connection=local\nh2 ansible_connection=local\n',
    'a.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - set_fact: {shared: from_a}\n',
    'b.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg="{{ shared | default(\'unset\') }}"\n',
    'fail.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - fail: msg=x\n      when: inventory_hostname == "h1"\n',
  };
  const shared = await runWithFiles(files, ['-i', 'two.ini', 'a.yml', 'b.yml']);
  assert.equal(shared.code, 0, shared.stdout + shared.stderr);
  assert.equal((shared.stdout.match(/"msg": "from_a"/g) ?? []).length, 2);
  const recaps = shared.stdout.split('PLAY RECAP').slice(1);
  assert.equal(recaps.length, 2);
  assert.match(recaps[1]!, /h1 +: ok=2 /, 'the second recap counts both playbooks');
  const stopped = await runWithFiles(files, ['-i', 'two.ini', 'fail.yml', 'b.yml']);
  assert.equal(stopped.code, 2);
  assert.doesNotMatch(stopped.stdout, /TASK \[debug\]/, 'b.yml does not run after a failed playbook');
});
