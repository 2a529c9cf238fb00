/**
 * INI inventory reading: value typing (ast.literal_eval rules, checked against Python 3.11), host ranges,
 * host-line quoting, and errors that name file:line:col. Fixtures are written to a temp folder.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ParseError } from '../src/core/errors.js';
import { expandHostPattern } from '../src/inventory/hostAddress.js';
import { iniValue } from '../src/inventory/iniInventory.js';
import { hostVariables, loadInventory } from '../src/inventory/index.js';
import { shlexSplit } from '../src/core/shlex.js';
import { createTemplar } from '../src/template/index.js';

function writeInventory(text: string, name = 'hosts'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'playtree-inv-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('INI values are typed as ansible-core types them (ast.literal_eval, else the text)', () => {
  const table: [string, unknown][] = [
    ['22', 22],
    ['1.5', 1.5],
    ['True', true],
    ['None', null],
    ['[1, 2]', [1, 2]],
    ["{'a': 1}", { a: 1 }],
    ["'a b'", 'a b'],
    ['false', 'false'],
    ['0755', '0755'],
    ['yes', 'yes'],
    ['-3', -3],
    ['+2', 2],
    ['0x1F', 31],
    ['0o17', 15],
    ['0b11', 3],
    ['00', 0],
    ['1e3', 1000],
    ['.5', 0.5],
    ['1_000', 1000],
    ['(1)', 1],
    ["(1, 'two')", [1, 'two']],
    ['()', []],
    [`"a" 'b'`, 'ab'],
    ['1 # comment', 1],
    ['"\\n"', '\n'],
    ['{"k": [1, {"n": None}]}', { k: [1, { n: null }] }],
    ['a b', 'a b'],
    ['[1, x]', '[1, x]'],
    ['inf', 'inf'],
    ['', ''],
  ];
  for (const [text, expected] of table) {
    it(`${JSON.stringify(text)} becomes ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(iniValue(text), expected);
    });
  }
});

describe('host patterns on host lines expand as ansible-core expands them', () => {
  const table: [string, string[], number?][] = [
    ['web[01:03]', ['web01', 'web02', 'web03']],
    ['db-[a:c]', ['db-a', 'db-b', 'db-c']],
    ['h[1:10:2]', ['h1', 'h3', 'h5', 'h7', 'h9']],
    ['n[1:2]-[a:b].lan', ['n1-a.lan', 'n1-b.lan', 'n2-a.lan', 'n2-b.lan']],
    ['web[1:2]:2222', ['web1', 'web2'], 2222],
    ['host:22', ['host'], 22],
    ['10.0.0.1:2201', ['10.0.0.1'], 2201],
    ['[2001:db8::1]:2202', ['2001:db8::1'], 2202],
    ['2001:db8::1', ['2001:db8::1']],
    ['/var/tmp/live', ['/var/tmp/live']],
    ['/srv/img:1', ['/srv/img:1']],
    ['höst.lan:2203', ['höst.lan'], 2203],
    ['Web_1.Example.COM:2204', ['Web_1.Example.COM'], 2204],
    ['web-:2205', ['web-:2205']],
    ['web_.lan:2206', ['web_.lan:2206']],
  ];
  for (const [token, hosts, port] of table) {
    it(`${token} gives ${hosts.join(',')}${port ? ` on port ${port}` : ''}`, () => {
      assert.deepEqual(expandHostPattern(token), port === undefined ? { hosts } : { hosts, port });
    });
  }
});

describe('host lines are split like shlex.split(comments=True)', () => {
  const table: [string, string[]][] = [
    ['h a=1 b="x y"', ['h', 'a=1', 'b=x y']],
    [`h y='single # kept'  # dropped`, ['h', 'y=single # kept']],
    ['h x="a \\"q\\" w"', ['h', 'x=a "q" w']],
    ['h z=a\\ b', ['h', 'z=a b']],
    ['h a=b#c', ['h', 'a=b']],
  ];
  for (const [line, tokens] of table) {
    it(`${line} splits into ${tokens.length} tokens`, () => assert.deepEqual(shlexSplit(line, { comments: true }), tokens));
  }
});

describe('INI inventory structure', () => {
  it('reads a path-like nspawn host with its connection vars', async () => {
    const file = writeInventory('[nspawn]\n/var/tmp/live ansible_connection=nspawn ansible_python_interpreter=/usr/bin/python3\n');
    const inventory = await loadInventory([file]);
    const host = inventory.hosts.get('/var/tmp/live');
    assert.equal(host?.vars.ansible_connection, 'nspawn');
    assert.equal(host?.vars.ansible_python_interpreter, '/usr/bin/python3');
    assert.deepEqual(inventory.groups.get('nspawn')?.hosts, ['/var/tmp/live']);
  });

  it('accepts a :children group declared later in the file', async () => {
    const file = writeInventory('[a:children]\nb\n[b:vars]\nx=1\n[b]\nh\n');
    const inventory = await loadInventory([file]);
    assert.deepEqual(inventory.groups.get('a')?.children, ['b']);
    assert.equal(inventory.groups.get('b')?.vars.x, 1);
  });

  it('sets inventory_file and inventory_dir to the first source naming the host', async () => {
    const file = writeInventory('h1\n');
    const inventory = await loadInventory([file]);
    assert.equal(inventory.hosts.get('h1')?.vars.inventory_file, file);
    assert.equal(inventory.hosts.get('h1')?.vars.inventory_dir, path.dirname(file));
  });
});

describe('YAML inventories and group_vars type scalars as PyYAML does for Ansible', () => {
  // printed by: ansible-inventory -i hosts.ini --host h1 (group_vars/web.yml holding these lines)
  const table: [string, unknown][] = [
    ['y', 'y'],
    ['n', 'n'],
    ['1e3', '1e3'],
    ['1_000', 1000],
    ['2001-12-14', '2001-12-14'],
    ['0x1F', 31],
    ['1:20', 80],
    ['yes', true],
  ];
  const dir = path.dirname(writeInventory('[web]\nh1\n', 'hosts.ini'));
  mkdirSync(path.join(dir, 'group_vars'));
  writeFileSync(path.join(dir, 'group_vars', 'web.yml'), table.map(([text], i) => `v${i}: ${text}\n`).join(''));
  const yamlFile = writeInventory(`all:\n  hosts:\n    h2:\n${table.map(([text], i) => `      v${i}: ${text}\n`).join('')}`, 'hosts.yml');
  table.forEach(([text, expected], i) => {
    it(`${text} in group_vars and in a YAML inventory is ${JSON.stringify(expected)}`, async () => {
      const fromGroupVars = hostVariables(await loadInventory([path.join(dir, 'hosts.ini')]), 'h1');
      assert.deepEqual(fromGroupVars[`v${i}`], expected);
      const fromYamlInventory = hostVariables(await loadInventory([yamlFile]), 'h2');
      assert.deepEqual(fromYamlInventory[`v${i}`], expected);
    });
  });

  it('keeps an !unsafe value from ever being templated', async () => {
    const file = writeInventory("all:\n  hosts:\n    h3:\n      secret: !unsafe '{{ x }}'\n", 'hosts.yml');
    const secret = hostVariables(await loadInventory([file]), 'h3').secret;
    assert.equal(createTemplar({ secret }).render('{{ secret }}'), '{{ x }}');
  });
});

describe('bad INI inventories raise ParseError with file:line:col', () => {
  const table: [string, string, number, RegExp][] = [
    ['cycle through :children', 'h\n[a:children]\nb\n[b:children]\na\n[b]\n', 5, /recursive dependency loop/],
    ['child group never declared', '[a:children]\nb\n[b:vars]\nx=1\n', 2, /includes undefined group 'b'/],
    [':vars for a group never declared', 'h\n[a:vars]\nx=1\n', 2, /\[a:vars\].*never declared/],
    ['unknown section type', '[a:kids]\nb\n', 1, /unknown type 'kids'/],
    ['section with spaces', '[a b]\n', 1, /invalid section entry/],
    ['host variable without =', 'h1 novalue\n', 1, /expected key=value/],
    ['unclosed quote', 'h1 a="x\n', 1, /No closing quotation/],
    ['vars line without =', '[g]\nh\n[g:vars]\njustaword\n', 4, /expected key=value/],
    ['host ending in a colon', 'h1:\n', 1, /reserved for a port/],
    ['bad range', 'web[01:3]\n', 1, /equal-length/],
  ];
  for (const [what, text, line, reason] of table) {
    it(`${what} is reported at line ${line}`, async () => {
      const file = writeInventory(text, 'hosts.ini');
      await assert.rejects(loadInventory([file]), (error: unknown) => {
        assert.ok(error instanceof ParseError, `expected ParseError, got ${String(error)}`);
        assert.equal(error.position?.file, file);
        assert.equal(error.position?.line, line);
        assert.ok(error.position!.column >= 1);
        assert.match(error.message, reason);
        assert.ok(!error.message.includes('\n'), 'message is one line');
        return true;
      });
    });
  }
});

describe('bad YAML inventories raise ParseError at the offending key or value', () => {
  const table: [string, string, [line: number, column: number], RegExp][] = [
    ['a misspelt section', 'all:\n  children:\n    web:\n      host:\n        w1:\n', [4, 7], /group 'web' has unexpected key 'host'; only hosts, children and vars are valid/],
    ['vars that are a list', 'all:\n  hosts:\n    h1:\n  vars:\n    - a\n', [5, 5], /'vars' of group 'all' must be a mapping/],
    ['host variables that are a list', 'all:\n  hosts:\n    h1:\n      - x\n', [4, 7], /variables of host 'h1' must be a mapping/],
    ['a bad host range', 'all:\n  hosts:\n    web[01:3]:\n', [3, 5], /bad host range in 'web\[01:3\]'/],
    ['a group that contains itself', 'all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n', [5, 9], /Adding group 'b' as child to 'a' creates a recursive dependency loop/],
    ['an inventory plugin configuration', 'plugin: aws_ec2\nregions: [x]\n', [1, 1], /inventory plugin configuration/],
  ];
  for (const [what, text, [line, column], reason] of table) {
    it(`${what} is reported at ${line}:${column}`, async () => {
      const file = writeInventory(text, 'hosts.yml');
      await assert.rejects(loadInventory([file]), (error: unknown) => {
        assert.ok(error instanceof ParseError, `expected ParseError, got ${String(error)}`);
        assert.deepEqual(error.position, { file, line, column });
        assert.match(error.message, reason);
        assert.ok(!error.message.includes('\n'), 'message is one line');
        return true;
      });
    });
  }
});
