import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recapOf } from './fixtures/e2e/runPlaytree.js';
import { play, runPlay } from './support/playRun.js';

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

test("an Ansible module playtree lacks (yum) loads in a static import and skips under its when; reached, it fails naming it", async () => {
  const run = await runPlay({
    'redhat.yml': '- yum: name=httpd\n- ansible.posix.synchronize: src=a dest=b\n',
    'play.yml': play("- import_tasks: redhat.yml\n  when: ansible_os_family | default('Debian') == 'RedHat'\n- debug: msg=between\n- yum: name=httpd\n  ignore_errors: true\n  register: reached\n- debug: var=reached.msg"),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /"msg": "between"/);
  assert.match(run.stdout, /'yum' is an Ansible module playtree does not have: skip the task on this target \(when:\), or add a JS module as library\/yum\.js/);
  assert.match(recapOf(run.stdout, 'a') ?? '', /skipped=2 .*ignored=1/);
});

test('a misspelt module in a static task is still an error at load, as in Ansible', async () => {
  const run = await runPlay({ 'play.yml': play('- debug: msg=x\n- cpoy: src=a dest=b') });
  assert.equal(run.code, 4);
  assert.match(run.stderr, /couldn't resolve module\/action 'cpoy'/);
});
