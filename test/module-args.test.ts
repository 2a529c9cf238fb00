import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argsFromFreeForm, validateModuleArgs } from '../modules/args.js';
import { toBoolean } from '../src/core/boolean.js';
import { parseKeyValue, parseKv, splitArgs } from '../src/core/kvSplit.js';
import { shlexSplit } from '../src/core/shlex.js';
import type { ModuleDefinition } from '../modules/module.js';
import { ModuleError, ParseError } from '../src/core/errors.js';

// Expected values were produced by ansible-core 2.14's parse_kv(text, check_raw) and Python's shlex.split.
const PARSE_KV_TABLE: [text: string, checkRaw: boolean, expected: Record<string, string>][] = [
  ["src=a dest=b", false, {"src": "a", "dest": "b"}],
  ["src=a dest='b c' mode=0644", false, {"src": "a", "dest": "b c", "mode": "0644"}],
  ["msg=\"hello world\"", false, {"msg": "hello world"}],
  ["a=b=c", false, {"a": "b=c"}],
  ["a='x y' b=\"q 'r' s\"", false, {"a": "x y", "b": "q 'r' s"}],
  ["msg=line1\\nline2", false, {"msg": "line1\nline2"}],
  ["path=C:\\\\temp", false, {"path": "C:\\temp"}],
  ["k = v", false, {"_raw_params": "k = v"}],
  ["a\\=b c=d", false, {"c": "d", "_raw_params": "a=b"}],
  ["=x y=1", false, {"y": "1", "_raw_params": "=x"}],
  ["msg='{{ a }} b' other={{ foo | default('x y') }}", false, {"msg": "{{ a }} b", "other": "{{ foo | default('x y') }}"}],
  ["echo hi", true, {"_raw_params": "echo hi"}],
  ["chdir=/tmp ls -l", true, {"chdir": "/tmp", "_raw_params": "ls -l"}],
  ["ls -l creates=/etc/passwd removes=/nope", true, {"creates": "/etc/passwd", "removes": "/nope", "_raw_params": "ls -l"}],
  ["echo \"a b\"  c", true, {"_raw_params": "echo \"a b\"  c"}],
  ["echo foo=bar chdir=/tmp", true, {"chdir": "/tmp", "_raw_params": "echo foo=bar"}],
  ["echo 'a=b c' executable=/bin/bash", true, {"executable": "/bin/bash", "_raw_params": "echo 'a=b c'"}],
  ["echo {{ item }} stdin='some text'", true, {"stdin": "some text", "_raw_params": "echo {{ item }}"}],
  ["printf 'x\\ty'", true, {"_raw_params": "printf 'x\\ty'"}],
  ["echo one\necho two", true, {"_raw_params": "echo one\necho two"}],
  ["echo a \\\n b", true, {"_raw_params": "echo a b"}],
  ["cat <<EOF\nline  with  spaces\nEOF", true, {"_raw_params": "cat <<EOF\nline  with  spaces\nEOF"}],
  ["{% if x %}a{% endif %} b", false, {"_raw_params": "{% if x %}a{% endif %} b"}],
  ["warn=no echo x", true, {"warn": "no", "_raw_params": "echo x"}],
  ["strip_empty_ends=false stdin_add_newline=no cat", true, {"strip_empty_ends": "false", "stdin_add_newline": "no", "_raw_params": "cat"}],
  ["echo $HOME '*' | wc", true, {"_raw_params": "echo $HOME '*' | wc"}],
  ["x=\"a\\\"b\"", false, {"x": "a\"b"}],
  ["foo=bar baz", false, {"foo": "bar", "_raw_params": "baz"}],
];

for (const [text, checkRaw, expected] of PARSE_KV_TABLE) {
  test(`parse_kv(${JSON.stringify(text)}, check_raw=${checkRaw}) matches ansible`, () => {
    assert.deepEqual(parseKv(text, checkRaw), expected);
  });
}

const SHLEX_TABLE: [text: string, expected: string[]][] = [
  ["echo \"a b\" c", ["echo", "a b", "c"]],
  ["a'b c'd", ["ab cd"]],
  ["x\\ y", ["x y"]],
  ["\"a\\$b\" \"c\\\"d\" 'e\\f'", ["a\\$b", "c\"d", "e\\f"]],
  ["ls -l '' x", ["ls", "-l", "", "x"]],
  ["a\tb\nc", ["a", "b", "c"]],
  ["echo \"\\\\\"", ["echo", "\\"]],
  ["'*' $HOME |", ["*", "$HOME", "|"]],
];

for (const [text, expected] of SHLEX_TABLE) {
  test(`shlex split of ${JSON.stringify(text)} matches python`, () => {
    assert.deepEqual(shlexSplit(text), expected);
  });
}

test('shlex split refuses an unclosed quote as python does', () => {
  assert.throws(() => shlexSplit('echo "a b'), /No closing quotation/);
});

test('splitArgs refuses unbalanced quotes and jinja blocks', () => {
  assert.throws(() => splitArgs("a='b c"), /unbalanced jinja2 block or quotes/);
  assert.throws(() => splitArgs('a={{ b'), /unbalanced jinja2 block or quotes/);
});

const fakeModule = (extra: Partial<ModuleDefinition>): ModuleDefinition => ({
  name: 'fake',
  args: { src: { type: 'str' }, force: { type: 'bool' }, count: { type: 'int' }, names: { type: 'list', elements: 'str' } },
  run: async () => ({ changed: false }),
  ...extra,
});

test('argsFromFreeForm puts the free-form text of a free-form module under its freeForm name', () => {
  const module = fakeModule({ freeForm: '_raw_params' });
  assert.deepEqual(argsFromFreeForm(module, 'chdir=/tmp ls -l src=x'), { chdir: '/tmp', _raw_params: 'ls -l src=x' });
});

test('argsFromFreeForm takes every k=v word for a module without free form', () => {
  assert.deepEqual(argsFromFreeForm(fakeModule({}), "src='a b' force=yes"), { src: 'a b', force: 'yes' });
});

test('argsFromFreeForm reports extra words of a k=v module as a ParseError at the task position', () => {
  const position = { file: 'site.yml', line: 4, column: 7 };
  assert.throws(
    () => argsFromFreeForm(fakeModule({}), 'src=a stray', position),
    (error: unknown) => error instanceof ParseError && /^site\.yml:4:7: this task 'fake' has extra params/.test(error.message),
  );
});

test('argsFromFreeForm keeps a templated argument string as _variable_params', () => {
  assert.deepEqual(argsFromFreeForm(fakeModule({}), '{{ copy_args }}'), { _variable_params: '{{ copy_args }}' });
});

test('argsFromFreeForm reports unbalanced quotes as a ParseError', () => {
  assert.throws(() => argsFromFreeForm(fakeModule({}), "src='a"), ParseError);
});

test('parseKeyValue returns the k=v pairs and the other words', () => {
  assert.deepEqual(parseKeyValue('a=1 b c=2'), { pairs: { a: '1', c: '2' }, rest: 'b' });
});

const BOOLEAN_TABLE: [value: unknown, expected: boolean | undefined][] = [
  [true, true], [false, false], ['yes', true], ['No', false], [' on ', true], ['off', false], ['y', true], ['n', false],
  ['t', true], ['f', false], ['1', true], ['0', false], [1, true], [0, false], ['TRUE', true], ['', undefined],
  ['maybe', undefined], [2, undefined], [null, undefined],
];

for (const [value, expected] of BOOLEAN_TABLE) {
  test(`toBoolean(${JSON.stringify(value)}) is ${expected} as ansible's boolean()`, () => {
    assert.equal(toBoolean(value), expected);
  });
}

test('validateModuleArgs converts declared types and fills absent names', () => {
  const args = validateModuleArgs(fakeModule({}), { force: 'no', count: '3', names: 'a, b' });
  assert.deepEqual(args, { force: false, count: 3, names: ['a', 'b'], src: undefined });
});

test('validateModuleArgs rejects undeclared names unless the module takes any args', () => {
  assert.throws(() => validateModuleArgs(fakeModule({}), { bogus: 1 }), (e: unknown) => e instanceof ModuleError && /Unsupported parameters for \(fake\) module: bogus/.test(e.message));
  assert.deepEqual(validateModuleArgs(fakeModule({ anyArgs: true }), { bogus: [1], force: 'yes' }), {
    bogus: [1], force: true, src: undefined, count: undefined, names: undefined,
  });
});
