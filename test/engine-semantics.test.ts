import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recapOf, runWithFiles } from './fixtures/e2e/runPlaytree.js';
import { FOUR_HOSTS, messages, play, runPlay } from './support/playRun.js';

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

test('meta tasks: a false when shows skipping and counts nothing; clear_facts, reset_connection, noop, role_complete, end_batch', async () => {
  const run = await runPlay({
    'roles/rc/tasks/main.yml': '- debug: msg=rc1\n- meta: role_complete\n- debug: msg=rc2\n',
    'play.yml': play([
      '- meta: end_host\n  when: false',
      '- set_fact: { f: 1 }',
      '- setup:',
      '- meta: clear_facts',
      '- debug: msg="{{ ansible_facts | length }} {{ f }}"',
      '- meta: reset_connection',
      '- meta: refresh_inventory',
      '- meta: noop',
      '- include_role: name=rc',
      '- meta: end_batch',
      '- debug: msg=notreached',
    ].join('\n')),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.stderr, '');
  assert.match(run.stdout, /TASK \[meta\] \*+\nskipping: \[a\]\n/);
  // ansible-core: clear_facts forgets facts, not set_fact; a written role_complete does nothing.
  assert.deepEqual(messages(run.stdout), ['"0 1"', '"rc1"', '"rc2"']);
  assert.equal(recapOf(run.stdout, 'a'), 'a                          : ok=5    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0');
});

test('module_defaults on play, block, task and include apply fill missing arguments by short name or FQCN; groups are warned about', async () => {
  const run = await runPlay({
    'inc.yml': '- debug:\n',
    'play.yml': play(
      [
        '- debug:',
        '- ansible.builtin.debug:\n  module_defaults:\n    ansible.builtin.debug: { msg: task }',
        '- block:\n    - debug:\n    - debug: msg=own\n  module_defaults:\n    ansible.legacy.debug: { msg: block }',
        '- include_tasks:\n    file: inc.yml\n    apply:\n      module_defaults:\n        debug: { msg: inc }',
      ].join('\n'),
      '  module_defaults:\n    debug: { msg: play }\n    group/community.general.proxmox: { api_host: x }\n',
    ),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  // ansible-playbook 2.14 prints these (it refuses the group, which its collection does not define).
  assert.deepEqual(messages(run.stdout), ['"play"', '"task"', '"block"', '"own"', '"inc"']);
  assert.match(run.stderr, /\[WARNING\]: module_defaults: 'group\/community.general.proxmox' is an action group, which playtree does not have; ignored/);
});

test('serial runs the play in batches (number, percentage, list) with ansible_play_batch, as ansible-playbook 2.14', async () => {
  const run = await runWithFiles({
    'hosts.ini': FOUR_HOSTS,
    'play.yml': [
      '- hosts: all\n  gather_facts: false\n  serial: [1, "50%"]\n  tasks:',
      '    - debug: msg="{{ ansible_play_batch }} {{ ansible_play_hosts_all | length }} {{ ansible_play_hosts }}"',
      "    - fail:\n      when: inventory_hostname == 'b'",
      "    - meta: end_batch\n      when: inventory_hostname == 'c'",
      '    - debug: msg=x',
      '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=p2\n',
    ].join('\n'),
  }, ['-i', 'hosts.ini', 'play.yml']);
  assert.equal(run.stdout.split('\n').filter((line) => line.startsWith('PLAY [all]')).length, 4);
  assert.deepEqual(messages(run.stdout), [
    `"['a'] 4 ['a', 'b', 'c', 'd']"`, '"x"',
    `"['b', 'c'] 4 ['a', 'b', 'c', 'd']"`, `"['b', 'c'] 4 ['a', 'b', 'c', 'd']"`,
    `"['d'] 4 ['a', 'c', 'd']"`, '"x"',
    '"p2"', '"p2"', '"p2"',
  ]);
  assert.equal(recapOf(run.stdout, 'c'), 'c                          : ok=2    changed=0    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0');
  assert.equal(recapOf(run.stdout, 'd'), 'd                          : ok=3    changed=0    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0');
});

test('a serial batch whose hosts all fail ends the play and the run', async () => {
  const run = await runWithFiles({
    'hosts.ini': FOUR_HOSTS,
    'play.yml': "- hosts: all\n  gather_facts: false\n  serial: 2\n  tasks:\n    - fail:\n      when: inventory_hostname in ['c', 'd']\n- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=p2\n",
  }, ['-i', 'hosts.ini', 'play.yml']);
  assert.equal(run.code, 2);
  assert.doesNotMatch(run.stdout, /p2/);
});

test('throttle: 1 runs a task on one host at a time', async () => {
  // Two hosts running it at once would find the lock folder taken and fail.
  const lock = 'mkdir lock.d && sleep 0.3 && rmdir lock.d';
  const run = await runWithFiles({
    'hosts.ini': FOUR_HOSTS,
    'play.yml': `- hosts: all\n  gather_facts: false\n  tasks:\n    - block:\n        - shell: ${lock}\n          args: { chdir: "{{ playbook_dir }}" }\n      throttle: 1\n`,
  }, ['-i', 'hosts.ini', 'play.yml']);
  assert.equal(run.code, 0, run.stdout);
  assert.match(recapOf(run.stdout, 'd') ?? '', /changed=1 /);
});

test('order: reverse_sorted runs hosts in that order; strategy: free runs as linear with a warning', async () => {
  const run = await runWithFiles({
    'hosts.ini': FOUR_HOSTS,
    'play.yml': '- hosts: all\n  gather_facts: false\n  order: reverse_sorted\n  strategy: free\n  tasks:\n    - debug: msg={{ inventory_hostname }}\n',
  }, ['-i', 'hosts.ini', 'play.yml']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(messages(run.stdout), ['"d"', '"c"', '"b"', '"a"']);
  assert.match(run.stderr, /\[WARNING\]: ROOT\/play\.yml:1: strategy 'free' runs as 'linear' in playtree/);
  const templated = await runWithFiles({
    'hosts.ini': FOUR_HOSTS,
    'play.yml': `- hosts: all\n  gather_facts: false\n  order: '{{ myorder | default("inventory") }}'\n  tasks:\n    - debug: msg={{ inventory_hostname }}\n`,
  }, ['-i', 'hosts.ini', '-e', 'myorder=reverse_inventory', 'play.yml']);
  assert.deepEqual(messages(templated.stdout), ['"d"', '"c"', '"b"', '"a"']);
});

test('ansible_run_tags and ansible_skip_tags hold the command line tags (all when none)', async () => {
  const files = { 'play.yml': play('- debug: msg="{{ ansible_run_tags }} {{ ansible_skip_tags }}"\n  tags: [always]') };
  assert.deepEqual(messages((await runPlay(files)).stdout), [`"['all'] []"`]);
  assert.deepEqual(messages((await runPlay(files, ['-t', 'x,y', '--skip-tags', 'z'])).stdout), [`"['x', 'y'] ['z']"`]);
});

test('meta end_host with a false when says why at -v and -vv, as ansible-core 2.14 (meta_tasks target)', async () => {
  const run = await runWithFiles({
    'hosts.ini': 'testhost ansible_connection=local r=role3\ntesthost2 ansible_connection=local r=role2\n',
    'play.yml': "- hosts: all\n  gather_facts: false\n  strategy: \"{{ s | default('linear') }}\"\n  tasks:\n    - meta: end_host\n      when: r == 'role2'\n    - debug:\n        msg: play not ended for {{ inventory_hostname }}\n",
  }, ['-i', 'hosts.ini', '-vv', 'play.yml']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^META: end_host conditional evaluated to False, continuing execution for testhost$/m);
  assert.match(run.stdout, /^META: ending play for testhost2$/m);
  assert.match(run.stdout, /^skipping: \[testhost\] => \{"msg": "end_host conditional evaluated to false, continuing execution for testhost", "skip_reason": "end_host conditional evaluated to False, continuing execution for testhost"\}$/m);
  assert.deepEqual(messages(run.stdout), ['"play not ended for testhost"']);
});

test('meta flush_handlers honours when per host; an unknown meta action ends the run after its banner (exit 1)', async () => {
  const run = await runWithFiles({
    'hosts.ini': 'a ansible_connection=local\nb ansible_connection=local\n',
    'play.yml': play(
      "- debug: msg=x\n  changed_when: true\n  notify: h\n- meta: flush_handlers\n  when: inventory_hostname == 'a'\n- debug: msg=between",
      '  handlers:\n    - name: h\n      debug: msg="handler {{ inventory_hostname }}"\n',
    ),
  }, ['-i', 'hosts.ini', 'play.yml']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  // b's handler waits for the end of the tasks (ansible-core may print a's handler after b's `between`).
  const shown = messages(run.stdout);
  assert.deepEqual([...shown].sort(), ['"between"', '"between"', '"handler a"', '"handler b"', '"x"', '"x"']);
  assert.equal(shown.at(-1), '"handler b"');
  const bad = await runPlay({ 'play.yml': play('- debug: msg=a\n- meta: foo\n- debug: msg=b') });
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /TASK \[meta\] \*+\n$/);
  assert.match(bad.stderr, /^ERROR! ROOT\/play\.yml:5:7: invalid meta action requested: foo$/m);
});

test('any_errors_fatal lets a host in a rescue or always section finish it, then no further play runs (any_errors_fatal target)', async () => {
  const run = await runPlay({
    'play.yml': [
      '- hosts: all\n  gather_facts: false\n  any_errors_fatal: true\n  tasks:',
      '    - block:\n        - command: /bin/false\n        - debug: msg=never\n      rescue:\n        - debug: msg=rescue\n        - command: /bin/false\n        - debug: msg=never2',
      '      always:\n        - debug: msg=always',
      '    - debug: msg=after',
      '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=play2\n',
    ].join('\n'),
  });
  assert.equal(run.code, 2);
  assert.deepEqual(messages(run.stdout), ['"rescue"', '"always"']);
  assert.doesNotMatch(run.stdout, /NO MORE HOSTS LEFT/);
  assert.equal(recapOf(run.stdout, 'a'), 'a                          : ok=2    changed=0    unreachable=0    failed=1    skipped=0    rescued=1    ignored=0');
});

test('a skipped include is registered as skipped; include_role drops omitted arguments (include_import target)', async () => {
  const run = await runPlay({
    'roles/foo/tasks/main.yml': '- debug: msg=foo\n',
    'play.yml': play([
      '- include_tasks: nowhere.yml\n  loop: "{{ undefined_list }}"\n  when: false\n  register: skipped_include',
      '- debug: msg="{{ skipped_include.skip_reason }} {{ skipped_include is skipped }} {{ skipped_include.results is undefined }}"',
      '- include_role:\n    name: foo\n    tasks_from: "{{ omit }}"',
    ].join('\n')),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), ['"Conditional result was False True True"', '"foo"']);
});

test('an include_tasks handler runs the included tasks as handlers, on all its hosts together (valid_include_keywords target)', async () => {
  const run = await runWithFiles({
    'hosts.ini': 'a ansible_connection=local\nb ansible_connection=local\n',
    'listen.yml': '- debug: msg="listen {{ inventory_hostname }}"\n',
    'play.yml': play('- command: "true"\n  notify: topic', '  handlers:\n    - include_tasks:\n        file: listen.yml\n      listen: topic\n'),
  }, ['-i', 'hosts.ini', 'play.yml']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /RUNNING HANDLER \[include_tasks\] \*+\nincluded: ROOT\/listen\.yml for (a, b|b, a)\n\nRUNNING HANDLER \[debug\] \*+\nok: \[a\] => \{\n    "msg": "listen a"\n\}\nok: \[b\] => \{\n    "msg": "listen b"\n\}/);
});

test('a templated module name is worked out per host when the task runs, also as the first word of action: text (strategy_linear target)', async () => {
  const run = await runWithFiles({
    'hosts.ini': 'a ansible_connection=local\nb ansible_connection=local\n',
    'play.yml': play([
      "- set_fact: { module_to_run: \"{{ 'debug' if inventory_hostname == 'a' else 'ping' }}\" }",
      "- action:\n    module: '{{ module_to_run }}'\n  register: out",
      "- debug: msg=\"{{ 'msg' in out }} {{ 'ping' in out }}\"",
      "- action: \"{{ 'de' ~ 'bug' }} msg=spaced\"",
    ].join('\n')),
  }, ['-i', 'hosts.ini', 'play.yml']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout).slice(-4, -2), ['"True False"', '"False True"']);
  assert.deepEqual(messages(run.stdout).slice(-2), ['"spaced"', '"spaced"']);
});

test('ansible_failed_task in a rescue holds the failed task name, action and args', async () => {
  const run = await runPlay({
    'play.yml': play('- block:\n    - name: failing\n      command: /bin/false\n  rescue:\n    - debug: msg="{{ ansible_failed_task.name }} {{ ansible_failed_task.action }} {{ ansible_failed_task.args._raw_params }} {{ ansible_failed_result.rc }}"'),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), ['"failing command /bin/false 1"']);
});

test('handlers: a meta handler runs as a handler; flush_handlers, include_role and a block in a handler block cannot be handlers (handlers target)', async () => {
  const run = await runPlay({
    'play.yml': play('- command: "true"\n  notify: noop_handler', '  handlers:\n    - name: noop_handler\n      meta: noop\n'),
  }, ['-vv']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /RUNNING HANDLER \[noop_handler\] \*+\ntask path: ROOT\/play\.yml:\d+\nMETA: noop\n/);
  const flush = await runPlay({ 'play.yml': play('- command: "true"\n  notify: h', '  handlers:\n    - name: h\n      meta: flush_handlers\n') });
  assert.equal(flush.code, 1);
  assert.match(flush.stderr, /flush_handlers cannot be used as a handler/);
  const role = await runPlay({ 'play.yml': play('- command: "true"', '  handlers:\n    - name: h\n      include_role: { name: x }\n') });
  assert.equal(role.code, 4);
  assert.match(role.stderr, /ROOT\/play\.yml:\d+:\d+: Using 'include_role' as a handler is not supported\./);
  const nested = await runPlay({ 'play.yml': play('- debug:', '  handlers:\n    - block:\n        - debug:\n        - block:\n            - debug:\n') });
  assert.equal(nested.code, 4);
  assert.match(nested.stderr, /ROOT\/play\.yml:6:11: Using a block as a handler is not supported\./);
});

test('a host that failed reaches a written flush_handlers in its always section and runs its handlers there', async () => {
  const run = await runPlay({
    'play.yml': play(
      '- block:\n    - fail:\n  always:\n    - command: "true"\n      notify: h\n    - meta: flush_handlers',
      '  handlers:\n    - name: h\n      debug: msg="handler ran in always"\n',
    ),
  });
  assert.equal(run.code, 2);
  assert.deepEqual(messages(run.stdout).filter((m) => m.includes('handler')), ['"handler ran in always"']);
});

test('a failed_when that cannot be evaluated fails the task but keeps its result (failed_when target)', async () => {
  const run = await runPlay({
    'play.yml': play('- command: echo foo\n  failed_when: boomboomboom\n  register: r\n  ignore_errors: true\n- debug: msg="{{ r is failed }} {{ r.stdout }} {{ \'boomboomboom\' in r.failed_when_result }}"'),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout).slice(-1), ['"True foo True"']);
});

test('handlers that notify each other run once per flush; one that notifies itself runs once (handlers target)', async () => {
  const run = await runPlay({
    'play.yml': play('- command: "true"\n  notify: [handler1, self_notify]', [
      '  handlers:',
      '    - name: handler1\n      debug: msg=h1\n      changed_when: true\n      notify: handler2',
      '    - name: handler2\n      debug: msg=h2\n      changed_when: true\n      notify: handler1',
      '    - name: self_notify\n      debug: msg=self\n      changed_when: true\n      notify: self_notify\n',
    ].join('\n')),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  // ansible-playbook 2.14: the section's flush, then the post_tasks flush for what handler2 notified.
  assert.deepEqual(messages(run.stdout).map((m) => JSON.parse(m)), ['h1', 'h2', 'self', 'h1', 'h2']);
});

test("an include's apply: passes notify and delegate_to to the included tasks (include_import apply target)", async () => {
  const run = await runWithFiles({
    'hosts.ini': 'a ansible_connection=local\nb ansible_connection=local\n',
    'inc.yml': '- command: "true"\n',
    'play.yml': play(
      "- include_tasks:\n    file: inc.yml\n    apply:\n      delegate_to: b\n      notify: h\n  when: inventory_hostname == 'a'",
      '  handlers:\n    - name: h\n      debug: msg="handler {{ inventory_hostname }}"\n',
    ),
  }, ['-i', 'hosts.ini', 'play.yml']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /changed: \[a -> b\]/);
  assert.deepEqual(messages(run.stdout), ['"handler a"']);
});

test('a warning repeated by later tasks is printed once, as ansible-core does', async () => {
  const edit = '- lineinfile: { path: "{{ playbook_dir }}/f", create: true, search_string: "", line: "{{ item }}" }\n  loop: [one, two]';
  const run = await runPlay({ 'play.yml': play(`${edit}\n${edit}`) });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.stderr.split('\n').filter((line) => line.startsWith('[WARNING]: The search string is an empty string')).length, 1);
});
