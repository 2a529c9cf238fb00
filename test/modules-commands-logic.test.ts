import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertModule } from '../modules/assert.js';
import { debugModule } from '../modules/debug.js';
import { failModule } from '../modules/fail.js';
import { pingModule } from '../modules/ping.js';
import { setFactModule } from '../modules/set_fact.js';
import { loadModule } from '../modules/index.js';
import { validateModuleArgs } from '../modules/args.js';
import type { ModuleContext, ModuleDefinition } from '../modules/module.js';
import { ModuleError, TemplateError } from '../src/core/errors.js';
import { runModule } from './support/moduleRun.js';

/** A context whose evaluate throws, as the real templar does for an undefined name (pure logic only). */
function throwingContext(module: ModuleDefinition, args: Record<string, unknown>, error: Error): ModuleContext {
  const fail = () => {
    throw error;
  };
  return {
    args: validateModuleArgs(module, args),
    host: 'h',
    check: false,
    diff: false,
    verbosity: 0,
    target: { exec: fail, put: fail, fetch: fail },
    controller: { playbookDir: '.', findFile: fail, searchFolders: fail },
    render: fail,
    renderFile: fail,
    evaluate: fail,
    log: () => {},
  };
}

test('debug without arguments says Hello world!', async () => {
  const result = await runModule(debugModule, {});
  assert.equal(result.msg, 'Hello world!');
  assert.equal(result.changed, false);
});

test('debug msg is returned as given, lists included', async () => {
  assert.deepEqual((await runModule(debugModule, { msg: ['a', 'b'] })).msg, ['a', 'b']);
});

test('debug var reports the value under the expression as written', async () => {
  const result = await runModule(debugModule, { var: 'answer' }, { vars: { answer: { n: 42 } } });
  assert.deepEqual(result['answer'], { n: 42 });
  assert.equal(result.msg, undefined);
});

test('debug var of an undefined variable says VARIABLE IS NOT DEFINED!', async () => {
  assert.equal((await runModule(debugModule, { var: 'missing' }))['missing'], 'VARIABLE IS NOT DEFINED!');
  const ctx = throwingContext(debugModule, { var: 'missing.attr' }, new TemplateError("'missing' is undefined"));
  assert.equal((await debugModule.run(ctx))['missing.attr'], 'VARIABLE IS NOT DEFINED!');
});

test('debug refuses msg and var together', async () => {
  const result = await runModule(debugModule, { msg: 'a', var: 'b' });
  assert.equal(result.failed, true);
  assert.equal(result.msg, "'msg' and 'var' are incompatible options");
});

test('debug above the run verbosity is skipped, at or below it prints', async () => {
  const quiet = await runModule(debugModule, { msg: 'x', verbosity: 2 }, { verbosity: 1 });
  assert.deepEqual({ ...quiet, roundTrips: undefined }, { changed: false, skipped: true, skipped_reason: 'Verbosity threshold not met.', roundTrips: undefined });
  const verbose = await runModule(debugModule, { msg: 'x', verbosity: 2 }, { verbosity: 2 });
  assert.equal(verbose.msg, 'x');
});

test('set_fact returns its pairs as ansible_facts, converting yes/no/true/false strings', async () => {
  const result = await runModule(setFactModule, { a: '1', flag: 'Yes', off: 'false', list: [1, 2], cacheable: 'yes' });
  assert.deepEqual(result.ansible_facts, { a: '1', flag: true, off: false, list: [1, 2] });
  assert.equal(result['_ansible_facts_cacheable'], true);
  assert.equal(result.changed, false);
});

test('set_fact refuses an invalid variable name and an empty call', async () => {
  await assert.rejects(runModule(setFactModule, { 'bad-name': 1 }), /The variable name 'bad-name' is not valid/);
  await assert.rejects(runModule(setFactModule, {}), /No key\/value pairs provided/);
});

test('assert passes when every condition is truthy', async () => {
  const result = await runModule(assertModule, { that: ['one', 'list'] }, { vars: { one: 1, list: [0] } });
  assert.equal(result.msg, 'All assertions passed');
  assert.equal(result.failed, undefined);
});

test('assert fails on the first falsy condition with assertion and evaluated_to', async () => {
  const result = await runModule(assertModule, { that: ['yes_', 'empty', 'zero'], fail_msg: 'nope' }, { vars: { yes_: 'x', empty: {}, zero: 0 } });
  assert.equal(result.failed, true);
  assert.equal(result['assertion'], 'empty');
  assert.equal(result['evaluated_to'], false);
  assert.equal(result.msg, 'nope');
});

test('assert accepts a single string, msg as fail message and success_msg', async () => {
  const failed = await runModule(assertModule, { that: 'zero', msg: 'custom' }, { vars: { zero: '' } });
  assert.equal(failed.msg, 'custom');
  const passed = await runModule(assertModule, { that: '{{ ok }}', success_msg: 'fine', quiet: true }, { vars: { ok: true } });
  assert.equal(passed.msg, 'fine');
  assert.equal(passed['_ansible_verbose_always'], undefined);
});

test('assert turns an evaluation error into a conditional check failure', async () => {
  const ctx = throwingContext(assertModule, { that: 'nope' }, new TemplateError("'nope' is undefined"));
  await assert.rejects(assertModule.run(ctx), (e: unknown) => e instanceof ModuleError && e.message === "The conditional check 'nope' failed. The error was: 'nope' is undefined");
});

test('fail fails with its default or given message', async () => {
  assert.equal((await runModule(failModule, {})).msg, 'Failed as requested from task');
  const result = await runModule(failModule, { msg: 'stop' });
  assert.equal(result.failed, true);
  assert.equal(result.msg, 'stop');
});

test('ping answers pong after one round trip to the target', async () => {
  const result = await runModule(pingModule, {});
  assert.equal(result['ping'], 'pong');
  assert.equal(result.roundTrips, 1);
  assert.equal((await runModule(pingModule, { data: 'hi' }))['ping'], 'hi');
  await assert.rejects(runModule(pingModule, { data: 'crash' }), /boom/);
});

test('the registry finds these modules by short name and FQCN, target-free ones marked local', async () => {
  for (const name of ['command', 'shell', 'raw', 'debug', 'set_fact', 'assert', 'fail', 'ping']) {
    assert.equal((await loadModule(`ansible.builtin.${name}`))?.name, name);
  }
  const local = await Promise.all(['debug', 'set_fact', 'assert', 'fail', 'command', 'ping'].map(async (n) => (await loadModule(n))?.local === true));
  assert.deepEqual(local, [true, true, true, true, false, false]);
});
