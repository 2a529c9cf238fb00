import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWithFiles } from './fixtures/e2e/runPlaytree.js';
import { messages, play, runPlay } from './support/playRun.js';

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

test("a role's task file names like tasks/x.yml resolve from the role's folder too (handler_addressing target)", async () => {
  const run = await runPlay({
    'roles/r/tasks/main.yml': '- command: "true"\n  notify: do_include\n- import_tasks: tasks/other.yml\n',
    'roles/r/tasks/other.yml': '- debug: msg=imported\n',
    'roles/r/tasks/handlers.yml': '- debug: msg="include handler task"\n',
    'roles/r/handlers/main.yml': '- name: do_include\n  include_tasks: tasks/handlers.yml\n',
    'play.yml': play('- import_role: name=r'),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), ['"imported"', '"include handler task"']);
});

test('$ANSIBLE_ROLES_PATH names folders roles are found in', async () => {
  const run = await runPlay({ 'elsewhere/r/tasks/main.yml': '- debug: msg=found\n', 'play.yml': play('- include_role: name=r') });
  assert.equal(run.code, 2);
  const found = await runPlay({ 'elsewhere/r/tasks/main.yml': '- debug: msg=found\n', 'play.yml': play('- include_role: name=r') }, [], { ANSIBLE_ROLES_PATH: 'elsewhere' });
  assert.equal(found.code, 0, found.stdout + found.stderr);
  assert.deepEqual(messages(found.stdout), ['"found"']);
});
