import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolvePlainScalar } from '../src/core/yamlScalars.js';
import { parseYamlText, positionOfKey, positionOfValue } from '../src/core/yamlSource.js';
import { ParseError } from '../src/core/errors.js';

/** Plain scalars typed as Ansible's PyYAML (YAML 1.1) loader types them. */
const scalars: Array<[string, unknown]> = [
  ['0755', 493],
  ['0644', 420],
  ['1_000', 1000],
  ['42', 42],
  ['-7', -7],
  ['0x1F', 31],
  ['0b101', 5],
  ['1:20', 80],
  ['0', 0],
  ['08', '08'],
  ['1.5', 1.5],
  ['1e3', '1e3'],
  ['1.0e+3', 1000],
  ['.inf', Infinity],
  ['-.inf', -Infinity],
  ['yes', true],
  ['Yes', true],
  ['on', true],
  ['ON', true],
  ['true', true],
  ['no', false],
  ['off', false],
  ['False', false],
  ['y', 'y'],
  ['n', 'n'],
  ['~', null],
  ['null', null],
  ['', null],
  ['2001-12-14', '2001-12-14'],
  ['hello', 'hello'],
  ['0o17', '0o17'],
];

for (const [text, expected] of scalars) {
  test(`plain scalar ${JSON.stringify(text)} loads as ${String(expected)} like Ansible's YAML 1.1 loader`, () => {
    assert.equal(resolvePlainScalar(text), expected);
  });
}

test('NaN scalars load as NaN', () => {
  assert.ok(Number.isNaN(resolvePlainScalar('.nan')));
});

test('quoted and block scalars stay strings', () => {
  const { value } = parseYamlText("a: '0755'\nb: \"yes\"\nc: |\n  on\n", 'q.yml');
  assert.deepEqual(value, { a: '0755', b: 'yes', c: 'on\n' });
});

test('explicit core tags convert the text: !!str keeps it, !!int parses it', () => {
  const { value } = parseYamlText("a: !!str 0755\nb: !!int '12'\n", 't.yml');
  assert.deepEqual(value, { a: '0755', b: 12 });
});

test('keys are typed too: a `yes:` key becomes "true", a `y:` key stays "y"', () => {
  const { value } = parseYamlText('yes: 1\ny: 2\n', 'k.yml');
  assert.deepEqual(value, { true: 1, y: 2 });
});

test('a duplicate key warns as Ansible does and keeps the last value', () => {
  const { value, warnings } = parseYamlText('- debug: msg=1\n  debug: msg=2\n', '/p/dup.yml');
  assert.deepEqual(value, [{ debug: 'msg=2' }]);
  assert.deepEqual(warnings, [
    'While constructing a mapping from /p/dup.yml, line 1, column 3, found a duplicate dict key (debug). Using last defined value only.',
  ]);
});

test('merge keys bring the anchored mapping in, and keys written beside them win', () => {
  const { value } = parseYamlText('base: &b {x: 1, y: 1}\nother:\n  y: 2\n  <<: *b\n', 'm.yml');
  assert.deepEqual((value as Record<string, unknown>).other, { y: 2, x: 1 });
});

test('!unsafe text is wrapped in a raw block so rendering gives it back untouched', () => {
  const { value } = parseYamlText("a: !unsafe '{{ lookup(\"pipe\", \"id\") }}'\nb: !unsafe plain\n", 'u.yml');
  assert.deepEqual(value, { a: '{% raw %}{{ lookup("pipe", "id") }}{% endraw %}', b: 'plain' });
});

test('positions of keys and values are 1-based line and column', () => {
  const { value } = parseYamlText('- hosts: all\n  tasks:\n    - debug: msg=x\n', 'pos.yml');
  const play = (value as Array<Record<string, unknown>>)[0]!;
  assert.deepEqual(positionOfKey(play, 'tasks'), { file: 'pos.yml', line: 2, column: 3 });
  assert.deepEqual(positionOfValue(play.tasks, 0), { file: 'pos.yml', line: 3, column: 7 });
});

const syntaxErrors: Array<[string, string]> = [
  ['a: [1, 2\nb: c\n', 'bad.yml:2:1: YAML syntax error:'],
  ['a: b: c\n', 'bad.yml:1:4: YAML syntax error:'],
  ['- a\nb: c\n', 'bad.yml:2:1: YAML syntax error:'],
  ['a: "unterminated\n', 'bad.yml:2:1: YAML syntax error: Missing closing "quote'],
];

for (const [text, prefix] of syntaxErrors) {
  test(`a YAML syntax error (${JSON.stringify(text)}) is one line starting with ${prefix}`, () => {
    assert.throws(
      () => parseYamlText(text, 'bad.yml'),
      (error: unknown) => error instanceof ParseError && error.message.startsWith(prefix) && !error.message.includes('\n'),
    );
  });
}

test('an unquoted {{ }} value is refused with a hint to quote it', () => {
  assert.throws(
    () => parseYamlText('- debug:\n    msg: {{ x }}\n', 'q.yml'),
    (error: unknown) => error instanceof ParseError && error.message === 'q.yml:2:11: mapping keys must be scalars; a value starting with "{{" must be quoted: key: "{{ var }}"',
  );
});
