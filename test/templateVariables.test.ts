import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TemplateError } from '../src/core/errors.js';
import { compiledTemplateCount } from '../src/template/compiler.js';
import { createTemplar, isOmit, OMIT, removeOmit, TEMPLATED_ON_ACCESS } from '../src/template/index.js';

test('a variable holding a template is evaluated when used, through several levels', () => {
  const templar = createTemplar({ a: '{{ b }}-x', b: '{{ c * 2 }}', c: 21 });
  assert.equal(templar.render('{{ a }}'), '42-x');
  assert.equal(templar.render('{{ b }}'), 42);
});

test('templates nested in lists and dicts of a variable are evaluated', () => {
  const templar = createTemplar({ pkgs: ['{{ base }}', 'vim'], conf: { path: '/etc/{{ base }}' }, base: 'bash' });
  assert.deepEqual(templar.render('{{ pkgs }}'), ['bash', 'vim']);
  assert.equal(templar.render('{{ conf.path }}'), '/etc/bash');
});

test('a recursion loop between variables is an error naming the variable', () => {
  const templar = createTemplar({ a: '{{ b }}', b: '{{ a }}' });
  assert.throws(() => templar.render('{{ a }}'), (error: unknown) => error instanceof TemplateError && /recursive loop.*'a'/.test(error.message));
});

test('undefined variables and attributes fail with Ansible messages', () => {
  const templar = createTemplar({ d: { k: 1 }, l: [1] });
  const cases: Array<[string, string]> = [
    ['{{ foo }}', "'foo' is undefined"],
    ['{{ d.bar }}', "'dict object' has no attribute 'bar'"],
    ['{{ foo.bar.baz }}', "'foo' is undefined"],
    ['x {{ foo }} y', "'foo' is undefined"],
    ['{{ foo + 1 }}', "'foo' is undefined"],
    ['{% if foo %}x{% endif %}', "'foo' is undefined"],
    ['{% for x in foo %}{{ x }}{% endfor %}', "'foo' is undefined"],
    ['{{ foo | upper }}', "'foo' is undefined"],
    ['{{ l.nope() }}', "'list object' has no attribute 'nope'"],
  ];
  for (const [source, message] of cases) {
    assert.throws(() => templar.render(source), (error: unknown) => error instanceof TemplateError && error.message === message, source);
  }
});

test('defined tests and default never fail on undefined values', () => {
  const templar = createTemplar({ d: { k: 1 } });
  assert.equal(templar.render('{{ foo is defined }} {{ foo is undefined }} {{ d.x.y is defined }}'), 'False True False');
  assert.equal(templar.render("{{ foo.bar | default('dflt') }}"), 'dflt');
  assert.equal(templar.isTrue('foo is not defined'), true);
});

test('omit is a placeholder the engine can recognise and strip', () => {
  const templar = createTemplar({ mode: undefined });
  const args = templar.render({ path: '/x', mode: '{{ mode | default(omit) }}', opts: ['{{ omit }}', 'a'] }) as Record<string, unknown>;
  assert.ok(isOmit(args.mode));
  assert.equal(args.mode, OMIT);
  assert.deepEqual(removeOmit(args), { path: '/x', opts: ['a'] });
});

test('isTrue applies Ansible conditional rules', () => {
  const templar = createTemplar({ e: [], l: [1], t: true, s: 'False', yes_text: 'yes', n: 0 });
  const rows: Array<[unknown, boolean]> = [
    [true, true],
    [false, false],
    ['e', false],
    ['l', true],
    ['n', false],
    ['t and l | length == 1', true],
    ['not t', false],
    ['{{ t }}', true],
    ['{{ s }}', false], // a templated "False" is evaluated again as an expression
    ['{{ e }}', false],
    ['', false],
    ["'False'", true], // a quoted string literal is non-empty text
    ['false', false],
    ['None', false],
    ['"abc" in "xabcx"', true],
    ['l is not none and 1 in l', true],
  ];
  for (const [expression, expected] of rows) assert.equal(templar.isTrue(expression), expected, String(expression));
  assert.throws(() => templar.isTrue('{{ yes_text }}'), TemplateError);
});

test('evaluate returns native values for bare expressions and {{ }} strings', () => {
  const templar = createTemplar({ items: ['a', 'b'], d: { k: 2 } });
  assert.deepEqual(templar.evaluate('items'), ['a', 'b']);
  assert.deepEqual(templar.evaluate('{{ items }}'), ['a', 'b']);
  assert.equal(templar.evaluate('d.k * 2'), 4);
  assert.deepEqual(templar.evaluate('items | map("upper") | list'), ['A', 'B']);
  assert.deepEqual(templar.evaluate([1, '{{ d.k }}']), [1, 2]);
  assert.throws(() => templar.evaluate('nope'), { message: "'nope' is undefined" });
});

test('render keeps non-template values and strings as they are', () => {
  const templar = createTemplar({});
  const value = { a: [1, true, null], b: 'plain' };
  assert.equal(templar.render(value), value);
  assert.equal(templar.render('no braces here'), 'no braces here');
});

test('render templates dict keys as Ansible does', () => {
  assert.deepEqual(createTemplar({ k: 'name' }).render({ '{{ k }}': '{{ k }}!' }), { name: 'name!' });
});

test('a child templar sees extra variables, also inside lazily templated ones', () => {
  const templar = createTemplar({ path: '/srv/{{ item }}' });
  assert.equal(templar.child({ item: 'www' }).render('{{ path }}'), '/srv/www');
  assert.equal(templar.child({ item: 'db' }).render('{{ path }}'), '/srv/db');
});

test('variables are read lazily by name from a Proxy, never enumerated', () => {
  const read: string[] = [];
  const vars = new Proxy({ a: 1, b: '{{ a }}' } as Record<string, unknown>, {
    get(target, name) {
      if (typeof name === 'string') read.push(name);
      return target[name as string];
    },
    ownKeys() {
      throw new Error('enumerated');
    },
  });
  assert.equal(createTemplar(vars).render('{{ b }}'), 1);
  assert.deepEqual([...new Set(read)].sort(), ['a', 'b']);
});

test('objects marked TEMPLATED_ON_ACCESS are passed through without being walked', () => {
  const hostvars = {
    [TEMPLATED_ON_ACCESS]: true,
    web1: { ip: '{{ raw_on_purpose }}' },
  };
  assert.equal(createTemplar({ hostvars, other: hostvars }).render("{{ other['web1'].ip }}"), '{{ raw_on_purpose }}');
});

test('lookup reads environment variables and files', () => {
  process.env.PLAYTREE_TEMPLATE_TEST = 'from-env';
  const dir = mkdtempSync(join(tmpdir(), 'playtree-template-'));
  const file = join(dir, 'motd');
  writeFileSync(file, 'welcome\n\n');
  const templar = createTemplar({ file });
  assert.equal(templar.render("{{ lookup('env', 'PLAYTREE_TEMPLATE_TEST') }}"), 'from-env');
  assert.equal(templar.render("{{ lookup('file', file) }}"), 'welcome');
  assert.throws(() => templar.render("{{ lookup('file', '/nonexistent/x') }}"), TemplateError);
  rmSync(dir, { recursive: true });
});

test('mandatory fails on undefined with the given message', () => {
  assert.throws(() => createTemplar({}).render("{{ x | mandatory('set x please') }}"), { message: 'set x please' });
});

test('the same template source is compiled once and reused across templars', () => {
  const source = '{{ n + 1 }} cached';
  createTemplar({ n: 0 }).render(source);
  const before = compiledTemplateCount();
  const results = Array.from({ length: 200 }, (_unused, i) => createTemplar({ n: i }).render(source));
  assert.equal(results[199], '200 cached');
  assert.equal(compiledTemplateCount(), before);
});

test('texts that differ only in their literal parts share one compiled template and render as each alone', () => {
  const templar = createTemplar({ root: '/srv', d: { k: 'v' }, marked: 'a\uE000b', list: ['a', 1] });
  templar.render('{{ root }}/etc/0/{{ d.k }}.conf');
  const before = compiledTemplateCount();
  const paths = Array.from({ length: 50 }, (_unused, i) => templar.render(`{{ root }}/etc/${i}/{{ d.k }}.conf`));
  assert.equal(paths[49], '/srv/etc/49/v.conf');
  assert.equal(compiledTemplateCount(), before);
  // A value holding the marker the shared template uses is still rendered as it is.
  assert.equal(templar.render('<{{ marked }}>'), '<a\uE000b>');
  assert.equal(templar.render('x {{ list }} y'), "x ['a', 1] y");
  assert.throws(() => templar.render('{{ missing }}/x'), { message: "'missing' is undefined" });
});

test('vars gives every variable by computed name, templated', () => {
  const templar = createTemplar({ pkg_web: 'nginx', kind: 'web', alias: '{{ pkg_web }}' });
  assert.equal(templar.render("{{ vars['pkg_' + kind] }} {{ vars.alias }}"), 'nginx nginx');
  assert.equal(templar.render("{{ vars['pkg_db'] is defined }}"), false);
});

test('a lone {# as in shell ${#array[@]} is not template syntax', () => {
  const command = 'echo ${#files[@]} {{ n }}';
  assert.equal(createTemplar({ n: 1 }).render('echo ${#files[@]}'), 'echo ${#files[@]}');
  assert.throws(() => createTemplar({ n: 1 }).render(command), TemplateError);
});

test('include outside a template file is a clear error rather than a crash', () => {
  assert.throws(() => createTemplar({}).renderText("{% include 'other.j2' %}"), (error: unknown) => error instanceof TemplateError && /only in template files/.test(error.message));
});

test('a rendered text that reads as a list, dict or boolean becomes one, as Ansible converts it; other text stays text', () => {
  const templar = createTemplar({ a: 1, name: 'web', code: "{{ '{{' }} x }}", c: '[{{ a }}]', e: "{ 'k': {{ a }}, 'on': true }" });
  assert.deepEqual(templar.render('{{ c }}'), [1]);
  assert.deepEqual(templar.render('{{ e }}'), { k: 1, on: true });
  assert.deepEqual(templar.render("['{{ name }}', {{ a }}]"), ['web', 1]);
  assert.equal(templar.render('{% if a %}True{% endif %}'), true);
  // Only text starting with [ or {, or exactly True/False: numbers and other words stay strings.
  assert.equal(templar.render('{{ a }}.5'), '1.5');
  assert.equal(templar.render('{{ name }} True'), 'web True');
  assert.equal(templar.render('[ -f /etc/{{ name }} ]'), '[ -f /etc/web ]');
  assert.equal(templar.render('[{{ name }}]'), '[web]');
  // What the conversion makes is data: a `{{` in its strings is not rendered again.
  assert.deepEqual(templar.render("['{{ code }}']"), ['{{ x }}']);
});

test('variableOrNone is `name | default(None)`: null when unset (in every layer), the templated value when set', () => {
  const templar = createTemplar({ ansible_user: '{{ who }}', who: 'deploy', ansible_become: null }).child({ ansible_executable: '/bin/bash' });
  for (const name of ['ansible_connection', 'ansible_user', 'ansible_become', 'ansible_executable', 'who']) {
    assert.deepEqual(templar.variableOrNone(name), templar.evaluate(`${name} | default(None)`), name);
  }
  assert.equal(templar.variableOrNone('ansible_connection'), null);
  assert.equal(templar.variableOrNone('ansible_user'), 'deploy');
  assert.equal(templar.variableOrNone('ansible_executable'), '/bin/bash');
});
