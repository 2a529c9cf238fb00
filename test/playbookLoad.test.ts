import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlaybook, loadRole, loadTaskFile, loadVarsFile, type Block, type Task, type TaskItem } from '../src/playbook/index.js';
import { ParseError } from '../src/core/errors.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/playbook/', import.meta.url));
const modules = new Set(['copy', 'ansible.builtin.copy', 'debug', 'file', 'command', 'service']);
const options = { isModule: (name: string) => modules.has(name), rolesPath: ['other_roles'] };

const site = loadPlaybook(`${fixtures}site.yml`, options);

function task(item: TaskItem | undefined): Task {
  assert.equal(item?.kind, 'task');
  return item as Task;
}
function block(item: TaskItem | undefined): Block {
  assert.equal(item?.kind, 'block');
  return item as Block;
}

test('a playbook loads its plays in order with import_playbook expanded in place', async () => {
  const playbook = await site;
  assert.equal(playbook.file, `${fixtures}site.yml`);
  assert.equal(playbook.dir, fixtures.replace(/\/$/, ''));
  assert.deepEqual(playbook.plays.map((play) => [play.hosts, play.file]), [
    ['all', `${fixtures}site.yml`],
    ['image', `${fixtures}imported.yml`],
  ]);
});

test('play keywords are read with YAML 1.1 values: gather_facts no, become yes, mode 0755 is 493', async () => {
  const [play] = (await site).plays;
  assert.equal(play!.name, 'Configure the image');
  assert.equal(play!.gatherFacts, false);
  assert.equal(play!.become, true);
  assert.deepEqual(play!.vars, { mode: 493, enabled: true });
  assert.deepEqual(play!.varsFiles, ['vars/main.yml']);
  assert.deepEqual(play!.position, { file: `${fixtures}site.yml`, line: 1, column: 3 });
  assert.deepEqual(play!.when, []);
});

test('a task with a module mapping keeps its keywords, normalized', async () => {
  const copy = task((await site).plays[0]!.tasks[0]);
  assert.equal(copy.action, 'ansible.builtin.copy');
  assert.deepEqual(copy.args, { src: 'motd', dest: '/etc/motd' });
  assert.deepEqual(copy.notify, ['restart web']);
  assert.equal(copy.register, 'copied');
  assert.deepEqual(copy.tags, ['files', 'motd']);
  assert.deepEqual(copy.when, ['ansible_os_family == "Debian"']);
  assert.deepEqual(copy.changedWhen, [false]);
  assert.deepEqual(copy.position, { file: `${fixtures}site.yml`, line: 20, column: 7 });
  assert.deepEqual(copy.actionPosition, { file: `${fixtures}site.yml`, line: 21, column: 7 });
});

test('free-form args merged with the legacy args: keyword hold the text in _raw_params', async () => {
  const command = task((await site).plays[0]!.tasks[1]);
  assert.equal(command.action, 'command');
  assert.deepEqual(command.args, { chdir: '/tmp', _raw_params: '/bin/true' });
});

test('with_items becomes a loop with loopWith=items, and loop_control is read', async () => {
  const looped = task((await site).plays[0]!.tasks[2]);
  assert.equal(looped.args, 'msg={{ item }}');
  assert.deepEqual(looped.loop, [1, 2]);
  assert.equal(looped.loopWith, 'items');
  assert.deepEqual(looped.loopControl, { label: '{{ item }}' });
});

test('action: and local_action: forms name the module; local_action delegates to localhost', async () => {
  const tasks = (await site).plays[0]!.tasks;
  const action = task(tasks[3]);
  assert.deepEqual([action.action, action.args, action.delegateTo], ['copy', 'src=a dest=b', undefined]);
  const local = task(tasks[4]);
  assert.deepEqual([local.action, local.args, local.delegateTo], ['debug', { msg: 'here' }, 'localhost']);
});

test('block, rescue and always load as a Block with its own keywords', async () => {
  const guarded = block((await site).plays[0]!.tasks[5]);
  assert.equal(guarded.name, 'Guarded group');
  assert.deepEqual(guarded.when, ['do_block']);
  assert.deepEqual([guarded.block, guarded.rescue, guarded.always].map((list) => task(list[0]).args), ['msg=in-block', 'msg=rescued', 'msg=always']);
});

test('import_tasks is expanded into a Block carrying the import when/tags/vars, nested imports relative to the file', async () => {
  const imported = block((await site).plays[0]!.tasks[6]);
  assert.deepEqual(imported.when, ['setup_wanted']);
  assert.deepEqual(imported.tags, ['setup']);
  assert.deepEqual(imported.vars, { step: 1 });
  const setup = task(imported.block[0]);
  assert.equal(setup.name, 'Setup step');
  assert.equal(setup.position.file, `${fixtures}tasks/setup.yml`);
  const nested = task(block(imported.block[1]).block[0]);
  assert.equal(nested.name, 'Nested step');
  assert.equal(nested.position.file, `${fixtures}tasks/nested.yml`);
});

test('include_tasks and include_role stay tasks for the engine to load at run time', async () => {
  const tasks = (await site).plays[0]!.tasks;
  assert.deepEqual([task(tasks[7]).action, task(tasks[7]).args], ['include_tasks', 'tasks/setup.yml']);
  assert.deepEqual([task(tasks[9]).action, task(tasks[9]).args], ['include_role', { name: 'common' }]);
});

test('import_role with tasks_from expands to a Block of the role; a dependency that already ran in the play is skipped', async () => {
  const imported = block((await site).plays[0]!.tasks[8]);
  assert.equal(imported.role?.name, 'web');
  const names = imported.block.map((item) => item.kind === 'task' ? item.name : `block of ${item.role?.name}`);
  assert.deepEqual(names, ['Web extra']);
  assert.equal(task(imported.block[0]).role?.name, 'web');
});

test('roles load tasks, handlers, defaults, vars and meta dependencies from their folders', async () => {
  const [web] = (await site).plays[0]!.roles;
  assert.equal(web!.role.name, 'web');
  assert.equal(web!.role.path, `${fixtures}roles/web`);
  assert.deepEqual(web!.role.defaults, { web_port: 80 });
  assert.deepEqual(web!.role.vars, { web_user: 'www-data' });
  const dependency = block(web!.role.tasks[0]);
  assert.equal(dependency.role?.name, 'common');
  assert.deepEqual(dependency.vars, { common_flag: true });
  assert.equal(task(dependency.block[0]).role?.name, 'common');
  const install = task(web!.role.tasks[1]);
  assert.equal(install.name, 'Install web');
  assert.equal(install.role, web!.role);
});

test('a role found through rolesPath keeps its keywords apart from its params', async () => {
  const [, extra] = (await site).plays[0]!.roles;
  assert.equal(extra!.role.path, `${fixtures}other_roles/extra`);
  assert.deepEqual(extra!.params, { extra_port: 8080 });
  assert.deepEqual(extra!.tags, ['extra']);
  assert.deepEqual(extra!.when, ['install_extra']);
});

test('play handlers come first, then role handlers once each, with listen topics', async () => {
  const handlers = (await site).plays[0]!.handlers.map(task);
  assert.deepEqual(handlers.map((handler) => [handler.name, handler.role?.name]), [['restart web', undefined], ['reload web', 'web']]);
  assert.deepEqual(handlers[0]!.listen, ['web changed']);
});

test('import_playbook vars override the imported play vars, its tags and when are added', async () => {
  const imported = (await site).plays[1]!;
  assert.deepEqual(imported.vars, { from_import: true, own: 1 });
  assert.deepEqual(imported.tags, ['second']);
  assert.deepEqual(imported.when, ['second_wanted']);
});

test('a role listed again with the same params loads once per play; other params make another run', async () => {
  const playbook = await loadPlaybook(`${fixtures}dedup.yml`, options);
  const roles = playbook.plays[0]!.roles;
  assert.deepEqual(roles.map((reference) => reference.role.name), ['web', 'common']);
  assert.equal(block(roles[0]!.role.tasks[0]).role?.name, 'common');
});

test('duplicate YAML keys are reported as Ansible warnings and the last value is used', async () => {
  const playbook = await loadPlaybook(`${fixtures}dup_keys.yml`, options);
  assert.equal(task(playbook.plays[0]!.tasks[0]).args, 'msg=second');
  assert.deepEqual(playbook.warnings, [
    `While constructing a mapping from ${fixtures}dup_keys.yml, line 3, column 7, found a duplicate dict key (debug). Using last defined value only.`,
  ]);
});

test('YAML 1.1 values in a playbook: octal modes, underscores, on/off, !unsafe, templated flags', async () => {
  const [play] = (await loadPlaybook(`${fixtures}yaml11.yml`, options)).plays;
  assert.equal(play!.gatherFacts, false);
  assert.deepEqual(play!.vars, { octal: 493, big: 1000, flag: true, letter: 'y', text: '{% raw %}{{ not_rendered }}{% endraw %}' });
  const file = task(play!.tasks[0]);
  assert.deepEqual(file.args, { path: '/etc/app', mode: 420 });
  assert.equal(file.become, true);
  assert.equal(file.ignoreErrors, '{{ lenient }}');
});

test('loadTaskFile loads a task file for include_tasks, expanding its static imports', async () => {
  const items = await loadTaskFile(`${fixtures}tasks/setup.yml`, options);
  assert.equal(task(items[0]).action, 'file');
  assert.equal(task(block(items[1]).block[0]).name, 'Nested step');
});

test('loadTaskFile gives loaded tasks the role of the include', async () => {
  const role = await loadRole('common', fixtures, options);
  const items = await loadTaskFile(`${fixtures}tasks/nested.yml`, { ...options, role });
  assert.equal(task(items[0]).role, role);
});

test('loadRole finds a role for include_role and reads tasks_from', async () => {
  const role = await loadRole('web', fixtures, { ...options, tasksFrom: 'extra' });
  assert.equal(role.path, `${fixtures}roles/web`);
  assert.deepEqual(role.tasks.map((item) => item.kind === 'task' ? item.name : 'dependency'), ['dependency', 'Web extra']);
  assert.deepEqual(role.handlers.map((item) => item.kind === 'task' && item.name), ['reload web']);
});

test('loadRole names the folders it searched when a role is missing', async () => {
  await assert.rejects(loadRole('nope', fixtures, options), (error: unknown) =>
    error instanceof ParseError &&
    error.message === `the role 'nope' was not found in ${fixtures}roles:${fixtures}other_roles:${fixtures.replace(/\/$/, '')}`);
});

test('loadRole refuses a tasks_from file the role does not have', async () => {
  await assert.rejects(loadRole('web', fixtures, { ...options, tasksFrom: 'absent' }), /Could not find specified file in role: tasks\/absent/);
});

test('loadVarsFile reads a mapping of variables', async () => {
  assert.deepEqual(await loadVarsFile(`${fixtures}vars/main.yml`), { extra_var: 1 });
});

test('a role listed twice in a play runs once, twice when its meta sets allow_duplicates', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'playtree-roles-'));
  for (const [role, meta] of [['again', 'allow_duplicates: true\n'], ['once', 'dependencies: []\n']]) {
    mkdirSync(join(dir, 'roles', role!, 'meta'), { recursive: true });
    writeFileSync(join(dir, 'roles', role!, 'meta', 'main.yml'), meta!);
  }
  writeFileSync(join(dir, 'play.yml'), '- hosts: all\n  roles: [again, again, once, once]\n');
  const { plays } = await loadPlaybook(join(dir, 'play.yml'), options);
  assert.deepEqual(plays[0]!.roles.map((reference) => reference.role.name), ['again', 'again', 'once']);
});

test('max_fail_percentage takes a number or a percentage text, as Ansible\'s percent type', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'playtree-maxfail-'));
  const load = (value: string) => {
    writeFileSync(join(dir, 'play.yml'), `- hosts: all\n  max_fail_percentage: ${value}\n  tasks: []\n`);
    return loadPlaybook(join(dir, 'play.yml'), options);
  };
  for (const [value, expected] of [['30', 30], ['"30%"', 30], ['"12.5"', 12.5]] as const) {
    assert.equal((await load(value)).plays[0]!.maxFailPercentage, expected, value);
  }
  await assert.rejects(load('lots'), (error: unknown) => {
    assert.ok(error instanceof ParseError);
    assert.match(error.message, /play\.yml:2:24: 'max_fail_percentage' must be a number or a percentage such as "30%", got a string \("lots"\)/);
    return true;
  });
});
