import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recapOf, runWithFiles } from './fixtures/e2e/runPlaytree.js';

/** play.yml and its files, run on the local host `a`; every line of stdout. */
function runPlay(files: Record<string, string>, extraArgs: string[] = []) {
  return runWithFiles({ 'hosts.ini': 'a ansible_connection=local\n', ...files }, ['-i', 'hosts.ini', ...extraArgs, 'play.yml']);
}

function play(tasks: string, header = ''): string {
  return `- hosts: all\n  gather_facts: false\n${header}  tasks:\n${tasks.replace(/^/gm, '    ')}\n`;
}

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

const HELLO_MODULE = `export default {
  name: 'hello',
  args: { who: { type: 'str', required: true } },
  local: true,
  async run(ctx) { return { changed: true, msg: 'hello ' + ctx.args.who }; },
};
`;

test('a JS module in library/ beside the playbook, in a role or in a -M folder runs as a module', async () => {
  const run = await runPlay({
    'library/hello.js': HELLO_MODULE,
    'roles/r/library/greet.mjs': HELLO_MODULE,
    'mods/wave.js': HELLO_MODULE,
    'roles/r/tasks/main.yml': '- greet: { who: role }\n  register: g\n- debug: var=g.msg\n',
    'play.yml': play('- hello: who=world\n  register: h\n- debug: var=h.msg\n- wave: who=m\n- include_role: name=r'),
  }, ['-M', 'mods']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /"h\.msg": "hello world"/);
  assert.match(run.stdout, /"g\.msg": "hello role"/);
  assert.match(recapOf(run.stdout, 'a') ?? '', /changed=3 /);
});

test("a role's Python plugins are named in one warning at load, and a task using its Python module fails naming the file", async () => {
  const run = await runPlay({
    'roles/r/library/pymod.py': 'print(1)\n',
    'roles/r/filter_plugins/f.py': '\n',
    'roles/r/tasks/main.yml': '- pymod: a=1\n',
    'play.yml': '- hosts: all\n  gather_facts: false\n  roles: [r]\n- hosts: all\n  gather_facts: false\n  roles: [r]\n',
  });
  assert.equal(run.code, 2);
  const warnings = run.stderr.split('\n').filter((line) => line.startsWith('[WARNING]'));
  assert.deepEqual(warnings, [
    "[WARNING]: role 'r' (ROOT/roles/r) ships Python plugins that playtree cannot run (no Python is used): library/pymod.py, filter_plugins/f.py; tasks using these modules will fail, filters and lookups will be undefined",
  ]);
  assert.match(run.stdout, /fatal: \[a\]: FAILED! => .*module 'pymod' is the Python plugin ROOT\/roles\/r\/library\/pymod.py, which playtree cannot run/);
});

test('an unknown module in a task file included only when reached stops the run there (exit 4), naming file:line and library/', async () => {
  const run = await runPlay({
    'bad.yml': '- name: bad\n  nosuchmod: x=1\n',
    'roles/bad/tasks/main.yml': '- nosuchmod: x=1\n',
    'play.yml': play('- include_tasks: bad.yml\n  when: false\n- include_tasks: bad.yml\n  loop: []\n- include_role: name=bad\n  when: false\n- debug: msg=reached\n- include_tasks: bad.yml\n- debug: msg=after'),
  });
  assert.equal(run.code, 4);
  assert.match(run.stdout, /"msg": "reached"/, run.stderr);
  assert.doesNotMatch(run.stdout, /after/);
  assert.match(run.stderr, /ERROR! ROOT\/bad\.yml:2:3: couldn't resolve module\/action 'nosuchmod'\..* library\/nosuchmod\.js beside the playbook or in a role/);
});

test('an unknown module in a handler that is never notified stops the play at load, as in ansible-core', async () => {
  const run = await runPlay({ 'play.yml': '- hosts: all\n  gather_facts: false\n  handlers:\n    - name: h\n      nosuchmod: x\n  tasks:\n    - debug: msg=x\n' });
  assert.equal(run.code, 4);
  assert.match(run.stderr, /ROOT\/play\.yml:5:7: couldn't resolve module\/action 'nosuchmod'/);
});

/** The `"msg": ...` lines of a run, in order. */
function messages(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.startsWith('    "msg": ')).map((line) => line.slice('    "msg": '.length));
}

const ROLE_R = {
  'roles/r/tasks/main.yml': '- debug: msg="main {{ rv }} {{ rd }}"\n- import_role: name=r tasks_from=other\n- include_tasks: inc.yml\n',
  'roles/r/tasks/other.yml': '- debug: msg="other {{ rv }} {{ rd }}"\n  changed_when: true\n  notify: hx\n',
  'roles/r/tasks/inc.yml': '- debug: msg="inc {{ role_path | basename }} {{ ansible_parent_role_names | default([]) | join(\',\') }}"\n',
  'roles/r/vars/main.yml': 'rv: main\n',
  'roles/r/vars/alt.yml': 'rv: alt\n',
  'roles/r/defaults/main.yml': 'rd: main\n',
  'roles/r/defaults/altd.yml': 'rd: altd\n',
  'roles/r/handlers/main.yml': '- name: hx\n  debug: msg=hxmain\n',
  'roles/r/handlers/alt.yml': '- name: hx\n  debug: msg=hxalt\n',
};

test('include_role takes tasks_from, vars_from, defaults_from and handlers_from; its vars stay private unless public', async () => {
  const run = await runPlay({
    ...ROLE_R,
    'play.yml': play([
      '- include_role: { name: r, tasks_from: other, vars_from: alt, defaults_from: altd, handlers_from: alt }',
      '- debug: msg="after {{ rv | default(\'private\') }}"',
      '- include_role: { name: r, tasks_from: other, public: true }',
      '- meta: flush_handlers',
      '- debug: msg="after public {{ rv | default(\'private\') }}"',
    ].join('\n')),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  // ansible-playbook 2.14 prints these.
  assert.deepEqual(messages(run.stdout), ['"other alt altd"', '"after private"', '"other main main"', '"hxalt"', '"hxmain"', '"after public main"']);
});

test("the vars and defaults of a play's roles (roles:, import_role) are seen by all its tasks, even before the import", async () => {
  const run = await runPlay({
    ...ROLE_R,
    'roles/d/tasks/main.yml': '- debug: msg=d\n',
    'play.yml': '- hosts: all\n  gather_facts: false\n  roles: [d]\n  tasks:\n    - debug: msg="{{ rv | default(\'novar\') }} {{ rd | default(\'nodef\') }}"\n    - import_role: name=r tasks_from=inc\n',
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), ['"d"', '"main main"', '"inc r "']);
});

test('a role that imports its own other task file and includes another is no dependency loop; a role included from a role knows its parent', async () => {
  const run = await runPlay({
    ...ROLE_R,
    'roles/p/tasks/main.yml': '- include_role: name=r\n',
    'play.yml': play('- include_role: name=p'),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), ['"main main main"', '"other main main"', '"inc r p"', '"hxmain"']);
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

const FOUR_HOSTS = 'a ansible_connection=local\nb ansible_connection=local\nc ansible_connection=local\nd ansible_connection=local\n';

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

test('role dependencies with params run once per play unless allow_duplicates, also under an include_role, as ansible-playbook 2.14', async () => {
  const run = await runPlay({
    'roles/dep/tasks/main.yml': '- debug: msg="dep {{ p | default(0) }}"\n',
    'roles/top/meta/main.yml': 'dependencies:\n  - { role: dep, p: 1 }\n  - { role: dep, p: 1 }\n  - { role: dep, p: 2 }\n  - dup\n',
    'roles/top/tasks/main.yml': '- debug: msg=top\n',
    'roles/top2/meta/main.yml': 'dependencies:\n  - { role: dep, p: 1 }\n  - dup\n',
    'roles/top2/tasks/main.yml': '- debug: msg=top2\n',
    'roles/dup/meta/main.yml': 'allow_duplicates: true\n',
    'roles/dup/tasks/main.yml': '- debug: msg=dup\n',
    'play.yml': play(
      '- include_role: name=dep\n- include_role: name=dep\n  vars: { p: 1 }\n- import_role: name=dep\n- include_role: name=top2',
      '  roles:\n    - top\n    - top2\n    - dep\n    - { role: dep, p: 1 }\n',
    ),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout).map((m) => JSON.parse(m)), [
    'dep 1', 'dep 2', 'dup', 'top', 'dup', 'top2', 'dep 0', 'dep 0', 'dep 1', 'dep 0', 'dup', 'top2',
  ]);
});

test("a role's vars/main and defaults/main may be folders, read in sorted order with their subfolders", async () => {
  const run = await runPlay({
    'roles/v/vars/main/a.yml': 'x: a\ny: a\n',
    'roles/v/vars/main/b.yaml': 'y: b\n',
    'roles/v/defaults/main/sub/z.yml': 'd: 1\n',
    'roles/v/defaults/main/zz.yml': 'd: 0\ne: 2\n',
    'roles/v/tasks/main.yml': '- debug: msg="{{ x }} {{ y }} {{ d }} {{ e }}"\n',
    'play.yml': '- hosts: all\n  gather_facts: false\n  roles: [v]\n',
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  // ansible-playbook 2.14 prints this.
  assert.deepEqual(messages(run.stdout), ['"a b 0 2"']);
});

test("a role's dependencies' vars win over its parents' (ansible-core's roles_var_inheritance target)", async () => {
  const run = await runPlay({
    'roles/common_dep/vars/main.yml': 'var_precedence: parent\n',
    'roles/common_dep/meta/main.yml': 'dependencies:\n  - role: nested_dep\n    vars:\n      nested_var: "{{ test_var }}"\n',
    'roles/B/meta/main.yml': 'dependencies:\n  - role: common_dep\n    vars:\n      test_var: B\n',
    'roles/A/meta/main.yml': 'dependencies:\n  - role: common_dep\n    vars:\n      test_var: A\n',
    'roles/nested_dep/tasks/main.yml': '- debug: msg="{{ nested_var }} {{ var_precedence }}"\n',
    'roles/nested_dep/meta/main.yml': 'allow_duplicates: yes\ndependencies:\n  - child_nested_dep\n',
    'roles/child_nested_dep/vars/main.yml': 'var_precedence: dependency\n',
    'play.yml': '- hosts: all\n  gather_facts: false\n  roles: [A, B]\n',
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), ['"A dependency"', '"B dependency"']);
});

test('import_role and include_role inside a role give ansible_parent_role_names, chained when a role includes itself', async () => {
  const run = await runPlay({
    'roles/outer/tasks/main.yml': '- include_role: name=inner\n- import_role: name=inner\n',
    'roles/inner/tasks/main.yml': '- debug: msg="{{ ansible_parent_role_names | join(\',\') }}"\n- include_role: { name: inner, tasks_from: self }\n',
    'roles/inner/tasks/self.yml': '- debug: msg="{{ ansible_parent_role_names }} {{ ansible_parent_role_paths | length }}"\n',
    'play.yml': play('- include_role: name=outer'),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), [
    '"outer"', `"['inner', 'outer'] 2"`, '"outer"', `"['inner', 'outer'] 2"`,
  ]);
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

test('a dependency two included roles share runs once in the play; tasks_from may not leave the role (roles target)', async () => {
  const roles = {
    'roles/a/tasks/main.yml': '- debug: msg=A\n',
    'roles/b/tasks/main.yml': '- debug: msg=B\n',
    'roles/b/meta/main.yml': 'dependencies:\n  - name: a\n',
    'roles/c/tasks/main.yml': '- debug: msg=C\n',
    'roles/c/meta/main.yml': 'dependencies:\n  - name: a\n',
    'tasks/dummy.yml': '- debug: msg=outside\n',
  };
  const run = await runPlay({ ...roles, 'play.yml': play('- include_role: name=b\n- include_role: name=c') });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), ['"A"', '"B"', '"C"']);
  const outside = await runPlay({ ...roles, 'play.yml': play('- include_role:\n    name: a\n    tasks_from: "{{ playbook_dir }}/tasks/dummy.yml"') });
  assert.equal(outside.code, 4);
  assert.match(outside.stderr, /Failed loading 'ROOT\/tasks\/dummy.yml' for role \(a\) as it is not inside the expected role path: 'ROOT\/roles\/a\/tasks'/);
});

test('static import names may be templates of play, import_playbook and extra vars, rendered at load (include_import target)', async () => {
  const run = await runPlay({
    'roles/r1/tasks/main.yml': '- debug: msg=r1\n',
    'roles/r1/tasks/other.yml': '- debug: msg=r1-other\n',
    'tasks/t.yml': '- debug: msg=tasks\n',
    'sub.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - import_role: { name: "{{ imported_role }}" }\n',
    'play.yml': [
      '- hosts: all\n  gather_facts: false\n  vars: { role: r1, dir: tasks }\n  tasks:',
      '    - import_role: { name: "{{ role }}", tasks_from: "{{ from }}" }',
      '    - import_tasks: "{{ dir }}/t.yml"',
      '- import_playbook: "{{ \'sub.yml\' }}"\n  vars: { imported_role: r1 }\n',
    ].join('\n'),
  }, ['-e', 'from=other']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), ['"r1-other"', '"tasks"', '"r1"']);
  const late = await runPlay({ 'play.yml': play('- import_tasks: "{{ ansible_hostname }}.yml"') });
  assert.equal(late.code, 4);
  assert.match(late.stderr, /ROOT\/play\.yml:4:7: a templated import_tasks name is rendered at load time, with play vars and extra vars only, and 'ansible_hostname' is undefined; use include_tasks for values known only at run time$/m);
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

test("import_role's delegate_to reaches the role's tasks and handlers, which see ansible_delegated_vars", async () => {
  const run = await runWithFiles({
    'hosts.ini': 'testhost ansible_connection=local\nlocalhost ansible_connection=local\n',
    'roles/d/tasks/main.yml': '- command: "true"\n  notify: h\n',
    'roles/d/handlers/main.yml': '- name: h\n  debug: msg="{{ ansible_delegated_vars | list }}"\n',
    'play.yml': '- hosts: testhost\n  gather_facts: false\n  tasks:\n    - import_role: name=d\n      delegate_to: localhost\n',
  }, ['-i', 'hosts.ini', 'play.yml']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /changed: \[testhost -> localhost\]/);
  // ansible-playbook 2.14 prints the same.
  assert.match(run.stdout, /RUNNING HANDLER \[d : h\] \*+\nok: \[testhost -> localhost\] => \{\n    "msg": \[\n        "localhost"\n    \]/);
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

test('import_role and include_role with allow_duplicates false (a template too) do not run a role the play already ran', async () => {
  const run = await runPlay({
    'roles/r/tasks/main.yml': '- debug: msg=r\n',
    'play.yml': play([
      '- import_role: { name: r, allow_duplicates: "{{ False | bool }}" }',
      '- import_role: { name: r, allow_duplicates: "{{ False | bool }}" }',
      '- include_role: { name: r, allow_duplicates: false }',
      '- include_role: { name: r }',
    ].join('\n')),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), ['"r"', '"r"']);
});

test('a templated module name is worked out per host when the task runs (strategy_linear target)', async () => {
  const run = await runWithFiles({
    'hosts.ini': 'a ansible_connection=local\nb ansible_connection=local\n',
    'play.yml': play([
      "- set_fact: { module_to_run: \"{{ 'debug' if inventory_hostname == 'a' else 'ping' }}\" }",
      "- action:\n    module: '{{ module_to_run }}'\n  register: out",
      "- debug: msg=\"{{ 'msg' in out }} {{ 'ping' in out }}\"",
    ].join('\n')),
  }, ['-i', 'hosts.ini', 'play.yml']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout).slice(-2), ['"True False"', '"False True"']);
});

test('ansible_failed_task in a rescue holds the failed task name, action and args', async () => {
  const run = await runPlay({
    'play.yml': play('- block:\n    - name: failing\n      command: /bin/false\n  rescue:\n    - debug: msg="{{ ansible_failed_task.name }} {{ ansible_failed_task.action }} {{ ansible_failed_task.args._raw_params }} {{ ansible_failed_result.rc }}"'),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), ['"failing command /bin/false 1"']);
});

test("a role with an argument spec starts with its validation task, which fails on a missing or wrong argument (roles_arg_spec target)", async () => {
  const roles = {
    'roles/a/meta/argument_specs.yml': 'argument_specs:\n  main:\n    short_description: Main entry point for role A.\n    options:\n      a_str: { type: str, required: true }\n      a_int: { type: int }\n',
    'roles/a/tasks/main.yml': '- debug: msg="A {{ a_str }} {{ a_int | default(0) }}"\n',
  };
  const run = await runPlay({
    ...roles,
    'play.yml': play([
      '- include_role: name=a\n  vars: { a_str: x, a_int: "5" }',
      '- block:\n    - include_role: name=a\n      vars: { a_int: nope }\n  rescue:\n    - debug: msg="{{ ansible_failed_result.argument_errors | join(\';\') }}"',
      '- include_role: { name: a, rolespec_validate: false }\n  vars: { a_str: unchecked }',
    ].join('\n')),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /TASK \[a : Validating arguments against arg spec 'main' - Main entry point for role A\.\] \*+\nok: \[a\]\n/);
  const shown = messages(run.stdout);
  assert.deepEqual([shown[0], shown[2]], ['"A x 5"', '"A unchecked 0"']);
  // The first wrong argument is named (ansible-core lists every one).
  assert.match(shown[1] ?? '', /argument 'a_int' is of type string and we were unable to convert to int/);
});

test('handlers: a meta handler runs as a handler, flush_handlers and include_role cannot be handlers (handlers target)', async () => {
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

test('a role included with include_role brings the handlers of roles it imports; templated handler names are rendered when notified', async () => {
  const run = await runPlay({
    'roles/outer/tasks/main.yml': '- import_role: { name: inner, tasks_from: notify }\n',
    'roles/inner/tasks/notify.yml': '- debug: msg=notify\n  changed_when: true\n  notify: [handler name, "handler name with {{ suffix }}"]\n',
    'roles/inner/handlers/main.yml': '- name: handler name with {{ suffix }}\n  debug: msg="with var"\n- name: handler name\n  debug: msg="plain"\n',
    'play.yml': play('- include_role: name=outer'),
  }, ['-e', 'suffix=x']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), ['"notify"', '"with var"', '"plain"']);
});

test('a failed_when that cannot be evaluated fails the task but keeps its result (failed_when target)', async () => {
  const run = await runPlay({
    'play.yml': play('- command: echo foo\n  failed_when: boomboomboom\n  register: r\n  ignore_errors: true\n- debug: msg="{{ r is failed }} {{ r.stdout }} {{ \'boomboomboom\' in r.failed_when_result }}"'),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout).slice(-1), ['"True foo True"']);
});
