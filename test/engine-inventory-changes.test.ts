import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recapOf } from './fixtures/e2e/runPlaytree.js';
import { FOUR_HOSTS, messages, play, runPlay } from './support/playRun.js';

const TWO_HOSTS = FOUR_HOSTS.split('\n').slice(0, 2).join('\n') + '\n';

test('group_by puts each host in its group: groups, group_names, group_vars and later plays see it', async () => {
  const run = await runPlay({
    'hosts.ini': TWO_HOSTS,
    'group_vars/g_b.yml': 'colour: blue\n',
    'play.yml': play('- group_by: key="g_{{ inventory_hostname }}" parents=par\n- debug: msg="{{ group_names }} {{ groups.par }} {{ colour | default(\'none\') }}"') +
      '- hosts: g_b\n  gather_facts: false\n  tasks:\n    - debug: msg="second play on {{ inventory_hostname }}"\n',
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.stderr, '');
  assert.match(run.stdout, /TASK \[group_by\] \*+\nchanged: \[a\]\nchanged: \[b\]\n/);
  assert.deepEqual(messages(run.stdout), [
    `"['g_a', 'par'] ['a', 'b'] none"`,
    `"['g_b', 'par'] ['a', 'b'] blue"`,
    '"second play on b"',
  ]);
});

test('add_host runs once for the play, adds a host with its variables to groups a later play targets', async () => {
  const run = await runPlay({
    'hosts.ini': TWO_HOSTS,
    'play.yml': play([
      '- add_host: name={{ item }} groups=new,extra colour=red ansible_connection=local',
      '  loop: [n1, n2]',
      '  register: added',
      '- debug: msg="{{ added.results | map(attribute=\'changed\') | list }} {{ groups.new }} {{ hostvars.n2.colour }}"',
      '  when: added is defined',
      '- add_host: name=n1 groups=new',
    ].join('\n')) + '- hosts: extra\n  gather_facts: false\n  tasks:\n    - debug: msg="{{ inventory_hostname }} {{ colour }} {{ group_names }}"\n',
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /TASK \[add_host\] \*+\nchanged: \[a\] => \(item=n1\)\nchanged: \[a\] => \(item=n2\)\n/);
  assert.match(run.stdout, /ok: \[a\] => \{\n {4}"msg": "\[True, True\] \['n1', 'n2'\] red"\n\}\n/);
  // b did not run add_host: nothing was registered for it.
  assert.match(run.stdout, /skipping: \[b\]\n/);
  // The same host again changes nothing.
  assert.match(run.stdout, /TASK \[add_host\] \*+\nok: \[a\]\n\nPLAY \[extra\]/);
  assert.deepEqual(messages(run.stdout).slice(1), [`"n1 red ['extra', 'new']"`, `"n2 red ['extra', 'new']"`]);
  assert.equal(recapOf(run.stdout, 'b'), 'b                          : ok=0    changed=0    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0');
});

test('add_host takes its arguments from a templated mapping, as ansible-core\'s add_host target does', async () => {
  const run = await runPlay({
    'play.yml': play([
      '- set_fact:\n    data: {hostname: viadict, ansible_port: "2222"}',
      '- add_host: "{{ data }}"',
      '- debug: msg="{{ hostvars.viadict.ansible_port }} {{ groups.all }}"',
      '- add_host: "not a mapping"\n  ignore_errors: true',
    ].join('\n')),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), [`"2222 ['viadict', 'a']"`]);
  assert.match(run.stdout, /Invalid raw parameters passed, requires a dictonary\/mapping got a string/);
});
