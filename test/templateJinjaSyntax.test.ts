import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTemplar } from '../src/template/index.js';

// Jinja2 syntax as ansible-core 2.14 renders it: every expected text below is what Ansible's
// Templar.do_template printed for the same source and variables.
const vars = {
  items: [[1, 'a'], [2, 'b']],
  foo: [{ bar: 'x' }],
  l: [3, 1, 2],
  d: { b: 2, a: 1 },
  s: 'Hello World',
  tree: [{ name: 'r', children: [{ name: 'c1', children: [] }, { name: 'c2', children: [{ name: 'g', children: [] }] }] }],
};

const table: Array<[string, string]> = [
  ["{{ items.0.1 }} {{ foo.0.bar }} {{ l.1 }} {{ l[-1] }} {{ items[1][0] }}", "a x 1 2 2"],
  ["{{ 6 is divisibleby 3 }} {{ 7 is not divisibleby 3 }} {{ false is sameas false }} {{ 1 is equalto 1 }} {{ 2 is in l }}", "True True True True True"],
  ["{{ '1.2.3' is version('1.2', '>=') }} {{ s is search('Wor') }} {{ [1] is subset(l) }} {{ l is superset([1]) }}", "True True True True"],
  ["{{ 1 is number }} {{ s is string }} {{ d is mapping }} {{ l is iterable }} {{ s is sequence }} {{ true is boolean }} {{ 1 is integer }} {{ 1.5 is float }} {{ none is none }}", "True True True True True True True True True"],
  ["{{ 'ab' is lower }} {{ 'AB' is upper }} {{ nope is undefined }} {{ d is defined }} {{ range is callable }} {{ 4 is even }} {{ 3 is odd }}", "True True True True True True True"],
  ["{% set ns = namespace(total=0) %}{% for i in l %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}", "6"],
  ["{% for i in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }} {% endfor %}", "1032TrueFalse3 2121FalseFalse3 3210FalseTrue3 "],
  ["{% for i in l %}{{ loop.cycle('odd', 'even') }} {% endfor %}", "odd even odd "],
  ["{% for i in l %}{{ loop.previtem | default('-') }}>{{ i }}>{{ loop.nextitem | default('-') }} {% endfor %}", "->3>1 3>1>2 1>2>- "],
  ["{% for i in [1, 1, 2, 2, 1] %}{% if loop.changed(i) %}{{ i }}{% endif %}{% endfor %}", "121"],
  ["{% for i in [] %}x{% else %}empty{% endfor %}", "empty"],
  ["{% for i in l if i > 1 %}{{ loop.index }}:{{ i }} {% endfor %}", "1:3 2:2 "],
  ["{% for n in tree recursive %}{{ n.name }}@{{ loop.depth }}{% if n.children %}[{{ loop(n.children) }}]{% endif %}{% endfor %}", "r@1[c1@2c2@2[g@3]]"],
  ["{% set block %}inner {{ l[0] }}{% endset %}[{{ block }}]", "[inner 3]"],
  ["{% filter upper %}abc {{ s }}{% endfilter %}", "ABC HELLO WORLD"],
  ["{% raw %}{{ not rendered }}{% endraw %}", "{{ not rendered }}"],
  ["{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}{{ a | default(\"gone\") }}", "3gone"],
  ["{% macro m(a, b=2) %}{{ a }}-{{ b }}{% endmacro %}{{ m(1) }} {{ m(1, b=3) }} {{ m(b=4, a=5) }}", "1-2 1-3 5-4"],
  ["{% macro wrap(tag) %}<{{ tag }}>{{ caller('z') }}</{{ tag }}>{% endmacro %}{% call(x) wrap('p') %}in {{ x }}{% endcall %}", "<p>in z</p>"],
  ["{{ 'a' ~ 1 ~ none }} {{ 'yes' if l else 'no' }} {{ 'hidden' if false }}|{{ 1 < 2 < 3 }} {{ 3 < 2 < 4 }}", "a1None yes |True False"],
  ["{{ 7 // 2 }} {{ -7 // 2 }} {{ 2 ** 10 }} {{ 7 % 3 }} {{ '%s-%03d' % ('a', 7) }} {{ '%.2f' % 3.14159 }}", "3 -4 1024 1 a-007 3.14"],
  ["{{ s.split() }} {{ s.startswith('He') }} {{ d.items() | list }} {{ d.get('z', 4) }} {{ d.keys() | list }} {{ '{}-{}'.format(1, 2) }} {{ ','.join(['a', 'b']) }}", "['Hello', 'World'] True [('b', 2), ('a', 1)] 4 ['b', 'a'] 1-2 a,b"],
  ["{{ [1, (2, 3), {'a': 1}] }} {{ l[1:] }} {{ s[::-1] }} {{ s[:5] }} {{ (1,) }}", "[1, (2, 3), {'a': 1}] [1, 2] dlroW olleH Hello (1,)"],
  ['{{ "{name}={0}".format(5, name="x") }}|{{ "{:>5}|{:<4}|{:^6}|{:05d}|{:.2f}|{:+d}|{:x}".format("ab", "c", "mid", 42, 3.14159, 7, 255) }}|{{ "{0[k]} {{lit}}".format({"k": 9}) }}', 'x=5|   ab|c   | mid  |00042|3.14|+7|ff|9 {lit}'],
  ["{% set a, b = 1, 2 %}{% set c, d = ['x', 'y'] %}{% set t = 1, [2] %}{{ a }}{{ b }}{{ c }}{{ d }} {{ t }}", '12xy (1, [2])'],
  ['{% macro m(a, b=2) %}{{ a }}-{{ b }}-{{ varargs }}-{{ kwargs }}{% endmacro %}{{ m(1, 3, 4, 5, z=6) }}|{{ m(b=7, a=8) }}', "1-3-(4, 5)-{'z': 6}|8-7-()-{}"],
  ['{{ "%s" % [1, 2] }} {{ "%s-%s" % (1, 2) }} {{ "a=b=c".partition("=") }} {{ "a=b=c".rpartition("=") }} {{ "aB".swapcase() }} {{ " ".isspace() }}', "[1, 2] 1-2 ('a', '=', 'b=c') ('a=b', '=', 'c') Ab True"],
  // tests bind tighter than operators and can be filtered, as Jinja2 parses them
  ["{{ s is defined | ternary('set', 'unset') }} {{ 1 + 2 is odd }} {{ 1 == 1 is sameas true }} {{ not nope is defined }}", 'set 1 False True'],
  ["{{ 'a' if false else 'b' if false else 'c' }} {{ { ['x', 'y'][1:] | join('.'): 1, 'k' ~ 2: 2 } }}", "c {'y': 1, 'k2': 2}"],
];

for (const [source, expected] of table) {
  test(`Jinja2 syntax: ${source}`, () => {
    assert.equal(createTemplar(vars).renderText(source), expected);
  });
}

// Whitespace control and trim_blocks (on) / lstrip_blocks (off), as Ansible's template module renders files.
const files: Array<[string, string, string]> = [
  ['trim_blocks eats the newline after a tag, indentation stays', '  {% for x in l %}\n  {{ x }}\n  {% endfor %}\n', '    3\n    1\n    2\n  \n'],
  ['a comment line goes with its newline', 'a {# c #}\nb\n  {# indented #}\nc\n', 'a b\n  c\n'],
  ['a stray #} is text', 'x #} y\n', 'x #} y\n'],
  ['minus signs strip on their side', '{% if true -%}\n   yes\n{%- endif %}\n', 'yes\n'],
  ['{{- and -}} strip around an expression', '{{- "x" }}   \n  {{- "y" -}}  \n z\n', 'xyz\n'],
  ['+%} keeps the newline trim_blocks would eat', '{% if true +%}\nx\n{% endif %}\n', '\nx\n'],
  ['raw keeps the newline after its tag', '{% raw %}\n{{ x }}\n{% endraw %}\n', '\n{{ x }}\n'],
  ['a set inside a loop body stays in the loop, as Jinja2 scopes it', '{% set y = 0 %}{% for x in l %}{% set y = x %}{{ y }}{% endfor %}|{{ y }}\n', '312|0\n'],
  ['a namespace carries a value out of a loop', "{% set ns = namespace(found=false) %}{% for x in l %}{% if x == 1 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}\n", 'True\n'],
  ['filter blocks apply a filter with arguments', '{% filter indent(4) %}\na\nb\n{% endfilter %}\n', 'a\n    b\n'],
  ['CRLF in a template becomes LF', 'line1\r\nline2{{ 1 }}\r\n', 'line1\nline21\n'],
  ['appending to a list through a throwaway set', "{% set parts = [] %}{% for x in l %}{% set _ = parts.append(x * 2) %}{% endfor %}{{ parts }}\n", '[6, 2, 4]\n'],
];

for (const [behaviour, source, expected] of files) {
  test(`template text: ${behaviour}`, () => {
    assert.equal(createTemplar(vars).renderText(source), expected);
  });
}

test('a task string that is one expression yielding None gives an empty string, a bare {{ name }} keeps None', () => {
  const templar = createTemplar({ n: null, d: {} });
  assert.equal(templar.render("{{ d.get('x') }}"), '');
  assert.equal(templar.render('{{ n }}'), null);
});

test('loop() outside a recursive loop and attribute assignment on a non-namespace are errors', () => {
  assert.throws(() => createTemplar(vars).renderText('{% for x in l %}{{ loop(l) }}{% endfor %}'), /recursive/);
  assert.throws(() => createTemplar(vars).renderText('{% set d.x = 1 %}'), /non-namespace/);
});

test('a template that ends inside an expression is a syntax error, not a crash', () => {
  assert.throws(() => createTemplar(vars).render('{{ ["a"] if (x | boo'), /template syntax error: unexpected end of template/);
});

test('unsupported statements name themselves', () => {
  assert.throws(() => createTemplar(vars).renderText("{% extends 'base.j2' %}"), /\{% extends %\} works only in template files/);
  assert.throws(() => createTemplar(vars).renderText('{% do l.append(1) %}'), /\{% do %\} is not supported/);
});

test("Ansible's file tests look at the controller's files", () => {
  const text = createTemplar({}).renderText("{{ '/etc' is directory }} {{ '/etc' is file }} {{ '/nonexistent/x' is exists }} {{ '/' is mount }} {{ 'etc' is abs }} {{ [1, 0] is any }} {{ [1, 0] is all }}");
  assert.equal(text, 'True False False True False True False');
});

test('now() gives the time as Python prints a datetime; undef() fails with its hint only when used', () => {
  const templar = createTemplar({});
  assert.match(templar.renderText('{{ now() }}'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  assert.equal(templar.renderText("{{ undef('x') is defined }}"), 'False');
  assert.throws(() => templar.renderText("{{ undef(hint='set me') }}"), /set me/);
});

test("a lookup's terms are templated first, as Ansible does (lookup('vars', '{{ name }}'))", () => {
  assert.equal(createTemplar({ which: 'target', target: 'found' }).render("{{ lookup('vars', '{{ which }}') }}"), 'found');
});

test('an undefined value nested anywhere in a result fails, as Ansible checks the whole value', () => {
  assert.throws(() => createTemplar({ foo: { a: 1 } }).render("{{ foo | combine({'b': {'nested': [undef_variable]}}) }}"), /'undef_variable' is undefined/);
});
