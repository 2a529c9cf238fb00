import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWithFiles } from './fixtures/e2e/runPlaytree.js';

/** The `msg` lines of debug results, in order. */
function messages(stdout: string): string[] {
  return [...stdout.matchAll(/"msg": (".*")$/gm)].map((match) => JSON.parse(match[1]!) as string);
}

const HOSTS = { 'hosts.ini': 'localhost ansible_connection=local\n' };

test('lookup joins a list of strings with commas, keeps a lone value; query and wantlist=True give lists', async () => {
  const run = await runWithFiles(
    {
      ...HOSTS,
      'play.yml': `- hosts: all
  gather_facts: false
  tasks:
    - debug:
        msg: "{{ lookup('items', ['a', 'b']) }}|{{ lookup('items', ['a', 'b'], wantlist=True) | length }}|{{ query('items', 'a') | length }}|{{ q('list', 7) }}|{{ lookup('list', 7) + 1 }}|{{ lookup('items', []) | length }}"
`,
    },
    ['-i', 'hosts.ini', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), ['a,b|2|1|[7]|8|0']);
});

test("errors='ignore' and errors='warn' turn a failing lookup into None (warn says so on stderr); strict fails the task", async () => {
  const run = await runWithFiles(
    {
      ...HOSTS,
      'play.yml': `- hosts: all
  gather_facts: false
  tasks:
    - debug:
        msg: "{{ lookup('file', 'nope', errors='ignore') is none }} {{ query('file', 'nope', errors='warn') }} {{ query('first_found', 'nope', errors='warn') }}"
    - debug:
        msg: "{{ lookup('file', 'nope') }}"
`,
    },
    ['-i', 'hosts.ini', 'play.yml'],
  );
  assert.equal(run.code, 2);
  assert.deepEqual(messages(run.stdout)[0], 'True [] []');
  // As ansible-core 2.14: a lookup's AnsibleError is wrapped, its AnsibleLookupError (first_found's) is not.
  const unhandled = "An unhandled exception occurred while running the lookup plugin 'file'. Error was a <class 'ansible.errors.AnsibleError'>, original message: could not locate file in lookup: nope. could not locate file in lookup: nope";
  assert.ok(run.stderr.includes(`[WARNING]: ${unhandled}\n`), run.stderr);
  assert.match(run.stderr, /\[WARNING\]: Lookup failed but the error is being ignored: No file was found when using first_found\./);
  assert.ok(run.stdout.includes(`fatal: [localhost]: FAILED! => {"msg": "${unhandled}"}`), run.stdout);
});

test('an unknown lookup fails the task naming it; an unknown with_ loop is refused when the playbook loads', async () => {
  const template = await runWithFiles(
    { ...HOSTS, 'play.yml': "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug:\n        msg: \"{{ lookup('nosuch', 'x') }}\"\n" },
    ['-i', 'hosts.ini', 'play.yml'],
  );
  assert.equal(template.code, 2);
  assert.match(template.stdout, /lookup plugin \(nosuch\) not found/);
  const loop = await runWithFiles(
    { ...HOSTS, 'play.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=first\n    - debug: var=item\n      with_nosuch: [1]\n' },
    ['-i', 'hosts.ini', 'play.yml'],
  );
  assert.notEqual(loop.code, 0);
  assert.doesNotMatch(loop.stdout, /first/);
  assert.match(loop.stderr, /ROOT\/play\.yml:6:\d+: 'with_nosuch' is not a valid attribute for a Task: there is no lookup named 'nosuch'/);
});

test('with_<lookup> loops: sequence k=v text, items flattened once, indexed_items pairs, dict, together, subelements, lines', async () => {
  const run = await runWithFiles(
    {
      ...HOSTS,
      'play.yml': `- hosts: all
  gather_facts: false
  vars:
    more: [c, [d]]
    users: [{name: u1, groups: [g1, g2]}]
  tasks:
    - debug: msg="{{ item }}"
      with_sequence: start=0 end=4 stride=2 format=n%d
    - debug: msg="{{ item }}."
      with_items: [a, "{{ more }}"]
    - debug: msg="{{ item[0] }}={{ item[1] }}"
      with_indexed_items: [x, y]
    - debug: msg="{{ item.key }}:{{ item.value }}"
      with_dict: {k: v}
    - debug: msg="{{ item[0] }}-{{ item[1] }}"
      with_together: [[1, 2], [a]]
    - debug: msg="{{ item[0].name }}/{{ item[1] }}"
      with_subelements: ["{{ users }}", groups]
    - debug: msg="{{ item }}"
      with_lines: printf 'l1\\nl2\\n'
`,
    },
    ['-i', 'hosts.ini', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), ['n0', 'n2', 'n4', 'a.', 'c.', "['d'].", '0=x', '1=y', 'k:v', '1-a', '2-', 'u1/g1', 'u1/g2', 'l1', 'l2']);
});

test("lookups in a role find the role's files/ and templates/ first, then the playbook's folder; with_first_found too", async () => {
  const run = await runWithFiles(
    {
      ...HOSTS,
      'files/shared.txt': 'from playbook\n',
      'files/only-play.txt': 'play only\n',
      'roles/r/files/shared.txt': 'from role\n',
      'roles/r/templates/t.j2': '{{ role_name }} {{ lookup("file", "shared.txt") }}\n',
      'roles/r/vars/debian.yml': 'x: 1\n',
      'roles/r/tasks/main.yml': `- debug:
    msg: "{{ lookup('file', 'shared.txt') }}|{{ lookup('file', 'only-play.txt') }}|{{ lookup('template', 't.j2') | trim }}"
- include_vars: "{{ item }}"
  with_first_found: [redhat.yml, debian.yml]
- debug: msg="x={{ x }}"
- debug: msg="{{ item | basename }}"
  with_fileglob: "*.txt"
`,
      'play.yml': '- hosts: all\n  gather_facts: false\n  roles: [r]\n  tasks:\n    - debug:\n        msg: "{{ lookup(\'file\', \'shared.txt\') }}"\n',
    },
    ['-i', 'hosts.ini', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(messages(run.stdout), ['from role|play only|r from role', 'x=1', 'shared.txt', 'from playbook']);
});

test("a failing with_ lookup's message is the lookup's own words, which ansible_failed_result.msg compares exactly", async () => {
  const run = await runWithFiles(
    {
      'h.ini': 'localhost ansible_connection=local\n',
      'play.yml': `- hosts: all
  gather_facts: false
  tasks:
    - block:
        - debug: msg="{{ item }}"
          with_sequence: start=A end=3
      rescue:
        - assert: { that: ["ansible_failed_result.msg == \\"can't parse start=A as integer\\""] }
`,
    },
    ['-i', 'h.ini', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /rescued=1/);
});

test('with_list refuses a dict and with_dict a list, in the words of ansible-core', async () => {
  const run = await runWithFiles(
    {
      'h.ini': 'localhost ansible_connection=local\n',
      'play.yml': `- hosts: all
  gather_facts: false
  tasks:
    - debug: msg="{{ item }}"
      with_list: {key: value}
      register: a
      ignore_errors: true
    - debug: msg="{{ item }}"
      with_dict: [1, 2]
      register: b
      ignore_errors: true
    - debug: msg="{{ a.msg }}|{{ b.msg }}"
`,
    },
    ['-i', 'h.ini', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /"msg": "with_list expects a list\|with_dict expects a dict"/);
});
