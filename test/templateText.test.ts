import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TemplateError } from '../src/core/errors.js';
import { createTemplar } from '../src/template/index.js';

// Template files (the template module): Ansible renders them with trim_blocks=True, lstrip_blocks=False,
// keeps trailing newlines, and does not double backslashes. Expected text was produced by ansible-core
// 2.14's Templar.do_template on the same sources.
const vars = { l: ['a', 'b'], d: { k: 'v' }, n: null, flag: true };

const files: Array<[string, string, string]> = [
  ['a for loop drops the newline after each tag', '{% for x in l %}\n{{ x }}\n{% endfor %}\n', 'a\nb\n'],
  ['an if block leaves no blank lines', 'head\n{% if flag %}\nyes\n{% endif %}\ntail\n', 'head\nyes\ntail\n'],
  ['indentation before a tag is kept (no lstrip_blocks)', '  {% if flag %}\n  indented\n  {% endif %}\n', '    indented\n  \n'],
  ['a comment swallows its newline', '{# comment #}\nline\n', 'line\n'],
  ['trailing newlines are kept', 'a\n\n\n', 'a\n\n\n'],
  ['newlines after a final tag are restored', '{% if flag %}x{% endif %}\n\n', 'x\n\n'],
  ['minus signs strip whitespace', '{%- if flag -%}\n  x  \n{%- endif %}\nend', 'xend'],
  ['None prints empty, lists print as Python', 'n={{ n }} l={{ l }}\n', "n= l=['a', 'b']\n"],
  ['string escapes follow Python', "{{ 'a\\tb' }}|{{ '\\d' }}\n", 'a\tb|\\d\n'],
  ['set and join with an escaped newline', "{% set y = 'q' %}{{ y }}{{ l | join('\\n') }}\n", 'qa\nb\n'],
  ['a loop filter counts only kept items', '{% for x in l if x != "a" %}{{ loop.index }}{{ x }}{{ loop.last }}\n{% endfor %}', '1bTrue\n'],
  ['items() unpacks into two loop variables', '{% for k, v in d.items() %}{{ k }}={{ v }}\n{% endfor %}', 'k=v\n'],
];

for (const [behaviour, source, expected] of files) {
  test(`template file: ${behaviour}`, () => {
    assert.equal(createTemplar(vars).renderText(source), expected);
  });
}

test('renderText always returns text, even for a single expression', () => {
  assert.equal(createTemplar({ l: [1, 2] }).renderText('{{ l }}'), '[1, 2]');
  assert.equal(createTemplar({ n: 5 }).renderText('{{ n }}'), '5');
});

test('renderText sees extra variables over the host variables', () => {
  const templar = createTemplar({ who: 'host', other: 'kept' });
  assert.equal(templar.renderText('{{ who }} {{ other }}', { who: 'extra' }), 'extra kept');
});

test('text without template syntax is returned untouched', () => {
  const text = 'plain {text} with % signs and } braces\n';
  assert.equal(createTemplar({}).renderText(text), text);
});

test('a syntax error is a one-line TemplateError quoting the line', () => {
  const source = 'line one\n{% if flag %}\nnever closed\n';
  assert.throws(
    () => createTemplar(vars).renderText(source),
    (error: unknown) => error instanceof TemplateError && !error.message.includes('\n') && /template syntax error/.test(error.message),
  );
  assert.throws(() => createTemplar(vars).render('{{ x | }}'), (error: unknown) => error instanceof TemplateError && error.message.includes('{{ x | }}'));
});

test('an undefined variable inside a template file names the variable', () => {
  assert.throws(
    () => createTemplar(vars).renderText('ok\n{{ missing }}\n'),
    (error: unknown) => error instanceof TemplateError && error.message === "'missing' is undefined",
  );
});
