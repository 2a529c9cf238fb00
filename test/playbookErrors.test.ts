import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadPlaybook } from '../src/playbook/index.js';
import { ParseError } from '../src/core/errors.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/playbook/', import.meta.url));
const modules = new Set(['copy', 'debug', 'file', 'command', 'ansible.builtin.copy']);
const options = { isModule: (name: string) => modules.has(name) };

/** Each fixture under errors/ → the exact one-line error, with paths relative to the fixtures folder. */
const cases: Array<[string, string]> = [
  ['unknown_play_key', "errors/unknown_play_key.yml:2:3: 'foo' is not a valid attribute for a Play"],
  ['play_when', "errors/play_when.yml:2:3: 'when' is not a valid attribute for a Play"],
  ['no_hosts', "errors/no_hosts.yml:1:3: the field 'hosts' is required but was not set"],
  ['serial_bad', `errors/serial_bad.yml:2:11: 'serial' must be a number, a percentage such as "30%", or a list of them, got a string ("many")`],
  ['strategy_unknown', "errors/strategy_unknown.yml:2:13: 'strategy: mitogen_linear' is not supported by playtree (linear; free and host_pinned run as linear): remove it"],
  ['no_action', 'errors/no_action.yml:3:7: no module/action detected in task.'],
  ['two_actions', 'errors/two_actions.yml:3:7: conflicting action statements: copy, file'],
  ['unknown_task_key', 'errors/unknown_task_key.yml:3:7: conflicting action statements: copy, foo'],
  [
    'unknown_module',
    "errors/unknown_module.yml:3:7: couldn't resolve module/action 'foo_bar'. This often indicates a misspelling, missing collection, or incorrect module path. " +
      "playtree's modules are listed in modules/index.ts; a JS module can be added as library/foo_bar.js beside the playbook or in a role, or in a folder given with -M",
  ],
  ['listen_on_task', "errors/listen_on_task.yml:4:7: 'listen' is not a valid attribute for a Task"],
  ['unknown_block_key', "errors/unknown_block_key.yml:5:7: 'foo' is not a valid attribute for a Block"],
  [
    'with_unsupported',
    "errors/with_unsupported.yml:4:20: 'with_nosuch' is not a valid attribute for a Task: there is no lookup named 'nosuch'",
  ],
  ['duplicate_loop', 'errors/duplicate_loop.yml:5:19: duplicate loop in task: loop, with_items'],
  ['async', "errors/async.yml:4:14: 'async' is not supported by playtree (tasks run synchronously): remove it"],
  ['timeout', "errors/timeout.yml:4:7: 'timeout' is not supported by playtree (on a Task): remove it"],
  ['bad_loop_control', "errors/bad_loop_control.yml:6:9: 'loop_variable' is not a valid attribute for a LoopControl"],
  ['tags_number', 'errors/tags_number.yml:4:13: tags must be specified as a list'],
  [
    'import_tasks_loop',
    "errors/import_tasks_loop.yml:3:7: You cannot use loops on 'import_tasks' statements. You should use 'include_tasks' instead.",
  ],
  ['import_missing', "errors/import_missing.yml:3:7: could not find or access 'missing.yml' (looked in errors)"],
  [
    'import_loop',
    "errors/loop/loop_b.yml:1:3: import loop: 'errors/loop/loop_a.yml' imports itself; use include_tasks with a condition for recursion",
  ],
  ['role_missing', "errors/role_missing.yml:3:7: the role 'nope' was not found in errors/roles:errors"],
  ['role_task_error', 'errors/roles/broken/tasks/main.yml:1:3: conflicting action statements: copy, file'],
  ['syntax', 'errors/syntax.yml:3:5: YAML syntax error: Block collections are not allowed within flow collections'],
  ['not_a_list', 'errors/not_a_list.yml:1:1: A playbook must be a list of plays, got a mapping instead'],
  ['task_include', "errors/task_include.yml:3:7: 'include' is not supported by playtree: use include_tasks (dynamic) or import_tasks (static)"],
  [
    'include_keyword',
    "errors/include_keyword.yml:4:7: 'environment' is not a valid attribute for a TaskInclude; to give it to the included tasks, put it under the include's 'apply:'",
  ],
  [
    'include_role_keyword',
    "errors/include_role_keyword.yml:5:7: 'become' is not a valid attribute for a IncludeRole; to give it to the included tasks, put it under the include's 'apply:'",
  ],
  ['include_apply_list', 'errors/include_apply_list.yml:5:16: Expected a dict for apply but got a list instead'],
  ['include_apply_bogus', "errors/include_apply_bogus.yml:6:11: 'bogus' is not a valid attribute for a Block"],
  ['include_apply_loop', "errors/include_apply_loop.yml:6:11: 'loop' is not a valid attribute for a Block"],
  ['task_not_mapping', 'errors/task_not_mapping.yml:3:7: a task must be a mapping of keywords, got a string ("just a string")'],
  ['empty', 'Empty playbook, nothing to do: errors/empty.yml'],
  ['unknown_tag', "errors/unknown_tag.yml:3:16: could not determine a constructor for the tag '!custom'"],
  ['import_playbook_missing', "errors/import_playbook_missing.yml:1:20: could not find 'errors/nowhere.yml'"],
];

async function loadError(name: string): Promise<unknown> {
  try {
    await loadPlaybook(`${fixtures}errors/${name}.yml`, options);
  } catch (error) {
    return error;
  }
  return undefined;
}

for (const [name, expected] of cases) {
  test(`loading errors/${name}.yml fails with one line: ${expected.split(': ').slice(1).join(': ').slice(0, 60)}`, async () => {
    const error = await loadError(name);
    assert.ok(error instanceof ParseError, `expected a ParseError, got ${String(error)}`);
    assert.equal(error.message.split(fixtures).join(''), expected);
    assert.ok(!error.message.includes('\n'), 'the message is one line');
  });
}
