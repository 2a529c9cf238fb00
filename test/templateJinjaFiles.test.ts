import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { TemplateError } from '../src/core/errors.js';
import { createTemplar, renderTemplateFile, templateSearchPath, UndefinedVariableError } from '../src/template/index.js';
import { RenderContext } from '../src/template/runtime.js';
import { runPlaytree, tempRoot } from './fixtures/e2e/runPlaytree.js';

/** Writes `files` under a fresh folder, runs `body` with it, removes it. */
async function withFiles(files: Record<string, string>, body: (root: string) => Promise<void>): Promise<void> {
  const { root, cleanup } = await tempRoot();
  try {
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, name)), { recursive: true });
      await writeFile(join(root, name), text);
    }
    await body(root);
  } finally {
    await cleanup();
  }
}

// A role whose template imports macros, includes from the role's and the playbook's templates/, and
// templates written with #jinja2: overrides and with the module's own delimiters. The expected files are
// what ansible-playbook 2.14 wrote for the same playbook.
const roleFiles: Record<string, string> = {
  'site.yml': '- hosts: all\n  gather_facts: false\n  vars:\n    entries: [{k: a, v: 1}, {k: b, v: 0}, {k: c, v: 3}]\n  roles: [web]\n',
  'templates/header.j2': '# {{ ansible_managed }} for {{ inventory_hostname }}\n',
  'roles/web/templates/footer.j2': 'end\n',
  'roles/web/templates/macros.j2':
    "{% macro line(x, sep=':') -%}\n{{ x.k }}{{ sep }}{{ x.v }}\n{%- endmacro %}\n{% macro item(i) %}#{{ i }} of {{ entries | length }}{% endmacro %}\n",
  'roles/web/templates/main.j2':
    "{% import 'macros.j2' as m %}\n{% from 'macros.j2' import item with context %}\n{% include 'header.j2' %}\n{% for x in entries %}\n{{ m.line(x, sep='=') }} {{ item(loop.index) }}\n{% endfor %}\n{% include ['missing.j2', 'footer.j2'] %}\n{% include 'nope.j2' ignore missing %}\n",
  'roles/web/templates/override.j2':
    '#jinja2: trim_blocks: False, lstrip_blocks: True\n{% for x in entries %}\n    {% if x.v %}\n{{ x.k }}\n    {% endif %}\n{% endfor %}\n',
  'roles/web/templates/options.j2': '[% for x in entries %]\n  [% if x.v %]<< x.k >>[% endif %]\n[% endfor %]\n',
  'roles/web/tasks/main.yml': [
    '- template: { src: main.j2, dest: "{{ out }}/main.txt" }',
    '- template: { src: override.j2, dest: "{{ out }}/override.txt" }',
    '- template:',
    '    src: options.j2',
    '    dest: "{{ out }}/options.txt"',
    '    lstrip_blocks: true',
    "    block_start_string: '[%'",
    "    block_end_string: '%]'",
    "    variable_start_string: '<<'",
    "    variable_end_string: '>>'",
    '',
  ].join('\n'),
};

test('template module: imports, from-imports and includes are found in the role and playbook templates/, with #jinja2: overrides and custom delimiters, as ansible-playbook writes them', () =>
  withFiles(roleFiles, async (root) => {
    const run = await runPlaytree(['-i', 'localhost,', '-c', 'local', 'site.yml', '-e', `out=${root}`], { cwd: root });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(await readFile(join(root, 'main.txt'), 'utf8'), '# Ansible managed for localhosta=1 #1 of 3\nb=0 #2 of 3\nc=3 #3 of 3\nend\n');
    assert.equal(await readFile(join(root, 'override.txt'), 'utf8'), '\n\na\n\n\n\n\n\nc\n\n');
    assert.equal(await readFile(join(root, 'options.txt'), 'utf8'), 'ac\n');
  }));

// Include and import semantics from ansible-core's template integration target (issues 6653, 72262, 72615).
const contextFiles: Record<string, string> = {
  'loop.j2': "{% for x in mylist %}\n{{ x }}\n{% include 'loop-include.j2' with context %}\n{% endfor %}\n",
  'loop-include.j2': '{{ x }}\n',
  'vars.j2': '{% set test = "I\'m test variable" %}\n',
  'macro-include.j2': "{% import 'vars.j2' as vars with context %}\n{% macro included() %}{% include 'included.j2' %}{% endmacro %}\n{{ included()|indent }}\n",
  'included.j2': '{{ vars.test }}\n',
  'nested.j2': "{% set foo = \"template-level-foo\" %}\n{% set bar = \"template-level-bar\" %}\n{% from 'nested-macro.j2' import print_context_vars with context %}\n{{ print_context_vars(bar) }}\n",
  'nested-macro.j2':
    "{% macro print_context_vars(value) %}\n{{ foo }}\n{{ value }}\n{% set foo = \"template-nested-level-foo\" %}\n{% set bar = \"template-nested-level-bar\" %}\n{% from 'nested-inner.j2' import print_context_vars_nested with context %}\n{{ print_context_vars_nested(bar) }}\n{% endmacro %}\n",
  'nested-inner.j2': '{% macro print_context_vars_nested(value) %}\nfoo: {{ foo }}\nbar: {{ value }}\n{% endmacro %}\n',
  'no-context.j2': "{% import 'uses-var.j2' as t %}\n",
  'uses-var.j2': '{{ undefined_variable }}\n',
  'bad-header.j2': '#jinja2: lstrip_blocks=True\nx\n',
  'missing.j2': "{% include 'nowhere.j2' %}\n",
  'base.j2': 'head\n{% block a %}A-base{% endblock %}\n{% block b %}B-base{% endblock b %}\ntail\n',
  'child.j2': "{% extends 'base.j2' %}\n{% block a %}A-child+{{ super() }}{% endblock %}\n",
  'grand.j2': "{% extends 'child.j2' %}\n{% block b %}B-grand {{ v }}{% endblock %}\n",
  'broken.j2': 'a\n{% for x in y %}\nnever closed\n',
  'undef.j2': 'line1\nline2 {{ ok }}\n{% if true %}\n  {{ missing_var }}\n{% endif %}\n',
  'includes-undef.j2': "a\n{% include 'undef.j2' %}\n",
  'includes-broken.j2': "{% include 'broken.j2' %}\n",
};

function renderIn(root: string, name: string, vars: Record<string, unknown> = {}): string {
  return renderTemplateFile(createTemplar(vars), join(root, name), { searchPath: [root] });
}

test('an include inside a loop sees the loop variable; a macro can include a template that uses an import', () =>
  withFiles(contextFiles, async (root) => {
    assert.equal(renderIn(root, 'loop.j2', { mylist: ['alpha', 'bravo'] }), 'alpha\nalphabravo\nbravo\n');
    assert.equal(renderIn(root, 'macro-include.j2'), "I'm test variable\n");
  }));

test('macros imported with context see the importing template and macro variables, not the play variables they shadow', () =>
  withFiles(contextFiles, async (root) => {
    const text = renderIn(root, 'nested.j2', { foo: 'top-level-foo' });
    assert.match(text, /template-level-foo/);
    assert.match(text, /template-level-bar/);
    assert.match(text, /foo: template-nested-level-foo/);
    assert.match(text, /bar: template-nested-level-bar/);
    assert.doesNotMatch(text, /top-level-foo/);
  }));

test('an import without context does not see the variables; bad headers and missing includes are one-line errors', () =>
  withFiles(contextFiles, async (root) => {
    assert.throws(() => renderIn(root, 'no-context.j2', { undefined_variable: 'x' }), /'undefined_variable' is undefined/);
    assert.throws(() => renderIn(root, 'bad-header.j2'), (error: unknown) => error instanceof TemplateError && /failed to parse jinja2 override/.test(error.message));
    for (const name of ['broken.j2', 'includes-broken.j2']) {
      assert.throws(() => renderIn(root, name), (error: unknown) => error instanceof TemplateError && error.message.startsWith(`${join(root, 'broken.j2')}: template syntax error`));
    }
    assert.throws(() => renderIn(root, 'missing.j2'), (error: unknown) => error instanceof TemplateError && error.message.includes(`template 'nowhere.j2' not found in ${root}`));
  }));

test('a lookup renders a template file from the context it is called with, extra variables over the context', () =>
  withFiles(contextFiles, async (root) => {
    const context = new RenderContext((name) => ({ mylist: ['one'], x: 'unused' })[name]);
    const text = renderTemplateFile(context, join(root, 'loop.j2'), { searchPath: [root], vars: { mylist: ['two'] } });
    assert.equal(text, 'two\ntwo\n');
  }));

test('blocks render in place; extends overrides them through two levels, super() reaching the parent block, as Ansible renders them', () =>
  withFiles(contextFiles, async (root) => {
    assert.equal(renderIn(root, 'base.j2'), 'head\nA-baseB-basetail\n');
    assert.equal(renderIn(root, 'child.j2'), 'head\nA-child+A-baseB-basetail\n');
    assert.equal(renderIn(root, 'grand.j2', { v: 1 }), 'head\nA-child+A-baseB-grand 1tail\n');
  }));

test("the search path is Ansible's: each folder's templates/ then the folder; the lookup looks beside the template first", () => {
  assert.deepEqual(templateSearchPath(['/r/role', '/p'], '/r/role/templates/x.j2'), ['/r/role/templates', '/r/role', '/p/templates', '/p', '/r/role/templates/templates']);
  assert.deepEqual(templateSearchPath(['/r/role', '/p'], '/p/x.j2', { lookup: true }), ['/p', '/r/role/templates', '/r/role', '/p/templates']);
});

test('an undefined variable in a template file, or in a template it includes, names that file and line', () =>
  withFiles(contextFiles, async (root) => {
    for (const name of ['undef.j2', 'includes-undef.j2']) {
      assert.throws(
        () => renderIn(root, name, { ok: 1 }),
        (error: unknown) => error instanceof UndefinedVariableError && error.message === `${join(root, 'undef.j2')}:4: 'missing_var' is undefined`,
      );
    }
  }));

test("template module: ansible_managed follows ansible.cfg's format and template_path is the src as written", () =>
  withFiles(
    {
      'ansible.cfg': '[defaults]\nansible_managed = Managed: {file}\n',
      'templates/m.j2': '{{ ansible_managed }}|{{ template_path }}|{{ template_destpath | basename }}\n',
      'p.yml': '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - template: { src: m.j2, dest: "{{ out }}/m.txt" }\n',
    },
    async (root) => {
      const run = await runPlaytree(['-i', 'localhost,', '-c', 'local', 'p.yml', '-e', `out=${root}`], { cwd: root });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(await readFile(join(root, 'm.txt'), 'utf8'), 'Managed: m.j2|m.j2|m.txt\n');
    },
  ));
