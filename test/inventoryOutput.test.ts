/**
 * playtree's inventory output against ansible-inventory 2.14's. Each row's `list` and `graph` were printed
 * by `ansible-inventory -i SOURCE... --list` / `--graph` on the fixtures under test/fixtures/inventory
 * (list compacted to one line); the test itself does not need Ansible.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadInventory, matchHosts } from '../src/inventory/index.js';
import { inventoryGraph, inventoryListJson, toAnsibleJson } from '../src/inventory/inventoryOutput.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/inventory');

const cases: { sources: string[]; list: string; graph: string }[] = [
  {
    sources: ["basic/hosts.ini"],
    list: String.raw`{"_meta":{"hostvars":{"/var/tmp/live":{"ansible_connection":"nspawn","ansible_python_interpreter":"/usr/bin/python3","v1":33},"db-a":{"v1":22,"v2":true,"v3":"hello world","v4":"quoted","v5":[1,2],"v6":"false"},"db-b":{"v1":22,"v2":true,"v3":"hello world","v4":"quoted","v5":[1,2],"v6":"false"},"db-c":{"v1":22,"v2":true,"v3":"hello world","v4":"quoted","v5":[1,2],"v6":"false"},"top1":{"a":1,"b":"x y","c":1.5,"d":true,"e":[1,2],"f":{"k":1},"g":"false","h":"0755","i":"yes","j":"a b","k":null},"top2":{"ansible_port":2222},"web01":{"ansible_user":"root","v1":22,"v2":true,"v3":"hello world","v4":"quoted","v5":[1,2],"v6":"false"},"web02":{"ansible_user":"root","v1":22,"v2":true,"v3":"hello world","v4":"quoted","v5":[1,2],"v6":"false"},"web03":{"ansible_user":"root","v1":22,"v2":true,"v3":"hello world","v4":"quoted","v5":[1,2],"v6":"false"}}},"all":{"children":["ungrouped","prod","odd"]},"nspawn":{"hosts":["/var/tmp/live"]},"odd":{"hosts":["h1","h3","h5","h7","h9"]},"prod":{"children":["web","nspawn"]},"ungrouped":{"hosts":["top1","top2"]},"web":{"hosts":["web01","web02","web03","db-a","db-b","db-c"]}}`,
    graph: "@all:\n  |--@ungrouped:\n  |  |--top1\n  |  |--top2\n  |--@prod:\n  |  |--@web:\n  |  |  |--web01\n  |  |  |--web02\n  |  |  |--web03\n  |  |  |--db-a\n  |  |  |--db-b\n  |  |  |--db-c\n  |  |--@nspawn:\n  |  |  |--/var/tmp/live\n  |--@odd:\n  |  |--h1\n  |  |--h3\n  |  |--h5\n  |  |--h7\n  |  |--h9",
  },
  {
    sources: ["vars/hosts"],
    list: String.raw`{"_meta":{"hostvars":{"db1":{"all_file":true,"db_file":"json","nested":{"b":2},"only_all":1,"shared":"from_group_vars_db","tier":"app"},"web1":{"all_file":true,"http_port":8080,"nested":{"b":2},"only_all":1,"order":"second","shared":"from_host_vars_web1","tier":"app","web_file":"first"},"web2":{"all_file":true,"nested":{"b":2},"only_all":1,"order":"second","shared":"from_group_vars_all","tier":"app","web_file":"first"}}},"all":{"children":["ungrouped","app"]},"app":{"children":["web","db"]},"db":{"hosts":["db1"]},"web":{"hosts":["web1","web2"]}}`,
    graph: "@all:\n  |--@ungrouped:\n  |--@app:\n  |  |--@web:\n  |  |  |--web1\n  |  |  |--web2\n  |  |--@db:\n  |  |  |--db1",
  },
  {
    sources: ["yamlinv/hosts.yml"],
    list: String.raw`{"_meta":{"hostvars":{"/var/tmp/live":{"ansible_connection":"nspawn","tier":"all"},"top":{"tier":"all","x":1},"web1":{"enabled":true,"http_port":80,"tier":"all"},"web2":{"enabled":true,"http_port":80,"tier":"all"},"web3":{"ansible_port":2222,"enabled":true,"tier":"all"}}},"all":{"children":["ungrouped","web","prod"]},"nspawn":{"hosts":["/var/tmp/live"]},"prod":{"children":["web","nspawn"]},"ungrouped":{"hosts":["top"]},"web":{"hosts":["web1","web2","web3"]}}`,
    graph: "@all:\n  |--@ungrouped:\n  |  |--top\n  |--@web:\n  |  |--web1\n  |  |--web2\n  |  |--web3\n  |--@prod:\n  |  |--@web:\n  |  |  |--web1\n  |  |  |--web2\n  |  |  |--web3\n  |  |--@nspawn:\n  |  |  |--/var/tmp/live",
  },
  {
    sources: ["folder"],
    list: String.raw`{"_meta":{"hostvars":{"h1":{"from_folder":1}}},"a":{"hosts":["h1"]},"all":{"children":["ungrouped","b"]},"b":{"children":["a"],"hosts":["h2"]}}`,
    graph: "@all:\n  |--@ungrouped:\n  |--@b:\n  |  |--@a:\n  |  |  |--h1\n  |  |--h2",
  },
  {
    sources: ["precedence/hosts.ini"],
    list: String.raw`{"_meta":{"hostvars":{"h1":{"d":{"x":1},"who":"zeta"}}},"all":{"children":["ungrouped","low","deep"]},"alpha":{"hosts":["h1"]},"deep":{"children":["top"]},"low":{"hosts":["h1"]},"top":{"children":["zeta","alpha"]},"zeta":{"hosts":["h1"]}}`,
    graph: "@all:\n  |--@ungrouped:\n  |--@low:\n  |  |--h1\n  |--@deep:\n  |  |--@top:\n  |  |  |--@zeta:\n  |  |  |  |--h1\n  |  |  |--@alpha:\n  |  |  |  |--h1",
  },
  {
    sources: ["quirks/hosts"],
    list: String.raw`{"_meta":{"hostvars":{"10":{"empty":"","eq":"a=b","hex":31,"neg":-3,"num":1,"spaced":"value with spaces","str_concat":"ab","tuple":[1,"two"]},"10.0.0.1":{"ansible_port":2201},"2001:db8::1":{"ansible_port":2202},"9":{"empty":"","eq":"a=b","hex":31,"neg":-3,"num":2,"spaced":"value with spaces","str_concat":"ab","tuple":[1,"two"]},"h-dup":{"ansible_port":1111,"b":2,"empty":"","eq":"a=b","hex":31,"neg":-3,"spaced":"value with spaces","str_concat":"ab","tuple":[1,"two"]},"host-q":{"empty":"","eq":"a=b","hex":31,"neg":-3,"spaced":"value with spaces","str_concat":"ab","tuple":[1,"two"],"x":"a \"quoted\" word","y":"single # not comment","z":"a b"},"indented.example.com":{"a":1}}},"all":{"children":["ungrouped","g2","tail"]},"g1":{"hosts":["h-dup","10","9","host-q"]},"g2":{"children":["g1"]},"ungrouped":{"hosts":["indented.example.com","10.0.0.1","2001:db8::1"]}}`,
    graph: "@all:\n  |--@ungrouped:\n  |  |--indented.example.com\n  |  |--10.0.0.1\n  |  |--2001:db8::1\n  |--@g2:\n  |  |--@g1:\n  |  |  |--h-dup\n  |  |  |--10\n  |  |  |--9\n  |  |  |--host-q\n  |--@tail:",
  },
  {
    sources: ["folder", "vars/hosts", "extra1,localhost"],
    list: String.raw`{"_meta":{"hostvars":{"db1":{"all_file":true,"db_file":"json","nested":{"b":2},"only_all":1,"shared":"from_group_vars_db","tier":"app"},"extra1":{"all_file":true,"nested":{"b":2},"only_all":1,"shared":"from_group_vars_all","tier":"all"},"h1":{"all_file":true,"from_folder":1,"nested":{"b":2},"only_all":1,"shared":"from_group_vars_all","tier":"all"},"h2":{"all_file":true,"nested":{"b":2},"only_all":1,"shared":"from_group_vars_all","tier":"all"},"localhost":{"all_file":true,"nested":{"b":2},"only_all":1,"shared":"from_group_vars_all","tier":"all"},"web1":{"all_file":true,"http_port":8080,"nested":{"b":2},"only_all":1,"order":"second","shared":"from_host_vars_web1","tier":"app","web_file":"first"},"web2":{"all_file":true,"nested":{"b":2},"only_all":1,"order":"second","shared":"from_group_vars_all","tier":"app","web_file":"first"}}},"a":{"hosts":["h1"]},"all":{"children":["ungrouped","b","app"]},"app":{"children":["web","db"]},"b":{"children":["a"],"hosts":["h2"]},"db":{"hosts":["db1"]},"ungrouped":{"hosts":["extra1","localhost"]},"web":{"hosts":["web1","web2"]}}`,
    graph: "@all:\n  |--@ungrouped:\n  |  |--extra1\n  |  |--localhost\n  |--@b:\n  |  |--@a:\n  |  |  |--h1\n  |  |--h2\n  |--@app:\n  |  |--@web:\n  |  |  |--web1\n  |  |  |--web2\n  |  |--@db:\n  |  |  |--db1",
  },
];

describe('ansible-inventory compatible output', () => {
  for (const row of cases) {
    const label = row.sources.join(' + ');
    it(`--list of ${label} prints what ansible-inventory prints`, async () => {
      const inventory = await loadInventory(row.sources, { cwd: fixtures });
      assert.equal(toAnsibleJson(inventoryListJson(inventory)), toAnsibleJson(JSON.parse(row.list)));
    });
    it(`--graph of ${label} prints what ansible-inventory prints`, async () => {
      const inventory = await loadInventory(row.sources, { cwd: fixtures });
      assert.equal(inventoryGraph(inventory), row.graph);
    });
  }
});

describe('toAnsibleJson', () => {
  it('sorts keys as strings and indents by four spaces like json.dumps(sort_keys=True, indent=4)', () => {
    const text = toAnsibleJson({ b: [1, { z: null, '10': 'x', '9': true }], a: {}, c: [] });
    assert.equal(
      text,
      '{\n    "a": {},\n    "b": [\n        1,\n        {\n            "10": "x",\n            "9": true,\n            "z": null\n        }\n    ],\n    "c": []\n}',
    );
  });
});

/** `ansible-inventory -i SOURCE --graph --vars` (ansible-core 2.14), printed on the fixtures. */
const graphVarsCases: { sources: string[]; graph: string }[] = [
  {
    sources: ['vars/hosts'],
    graph: "@all:\n  |--@ungrouped:\n  |--@app:\n  |  |--@web:\n  |  |  |--web1\n  |  |  |  |--{all_file = True}\n  |  |  |  |--{http_port = 8080}\n  |  |  |  |--{nested = {'b': 2}}\n  |  |  |  |--{only_all = 1}\n  |  |  |  |--{order = second}\n  |  |  |  |--{shared = from_host_vars_web1}\n  |  |  |  |--{tier = app}\n  |  |  |  |--{web_file = first}\n  |  |  |--web2\n  |  |  |  |--{all_file = True}\n  |  |  |  |--{nested = {'b': 2}}\n  |  |  |  |--{only_all = 1}\n  |  |  |  |--{order = second}\n  |  |  |  |--{shared = from_group_vars_all}\n  |  |  |  |--{tier = app}\n  |  |  |  |--{web_file = first}\n  |  |  |--{ansible_group_priority = 10}\n  |  |  |--{order = second}\n  |  |  |--{web_file = first}\n  |  |--@db:\n  |  |  |--db1\n  |  |  |  |--{all_file = True}\n  |  |  |  |--{db_file = json}\n  |  |  |  |--{nested = {'b': 2}}\n  |  |  |  |--{only_all = 1}\n  |  |  |  |--{shared = from_group_vars_db}\n  |  |  |  |--{tier = app}\n  |  |  |--{db_file = json}\n  |  |  |--{shared = from_group_vars_db}\n  |  |--{nested = {'a': 1}}\n  |  |--{shared = from_app_vars}\n  |  |--{tier = app}\n  |--{all_file = True}\n  |--{nested = {'b': 2}}\n  |--{only_all = 1}\n  |--{shared = from_group_vars_all}\n  |--{tier = all}",
  },
  {
    sources: ['precedence/hosts.ini'],
    graph: "@all:\n  |--@ungrouped:\n  |--@low:\n  |  |--h1\n  |  |  |--{d = {'x': 1}}\n  |  |  |--{who = zeta}\n  |  |--{ansible_group_priority = 5}\n  |  |--{who = low}\n  |--@deep:\n  |  |--@top:\n  |  |  |--@zeta:\n  |  |  |  |--h1\n  |  |  |  |  |--{d = {'x': 1}}\n  |  |  |  |  |--{who = zeta}\n  |  |  |  |--{who = zeta}\n  |  |  |--@alpha:\n  |  |  |  |--h1\n  |  |  |  |  |--{d = {'x': 1}}\n  |  |  |  |  |--{who = zeta}\n  |  |  |  |--{who = alpha}\n  |  |  |--{who = top}\n  |  |--{d = {'x': 1}}\n  |  |--{who = deep}\n  |--{d = {'y': 2}}\n  |--{who = all}",
  },
];

/**
 * `--list --limit`: ansible-core 2.14 has no --limit for ansible-inventory; these rows are what later
 * ansible-core prints (inventory.subset(LIMIT), then json_inventory keeps only the subset's hosts and drops
 * groups left empty), computed with the 2.14 inventory and variable managers.
 */
const listLimitCases: { sources: string[]; limit: string; list: string }[] = [
  {
    sources: ['basic/hosts.ini'],
    limit: 'web:!db-*',
    list: String.raw`{"_meta":{"hostvars":{"web01":{"ansible_user":"root","v1":22,"v2":true,"v3":"hello world","v4":"quoted","v5":[1,2],"v6":"false"},"web02":{"ansible_user":"root","v1":22,"v2":true,"v3":"hello world","v4":"quoted","v5":[1,2],"v6":"false"},"web03":{"ansible_user":"root","v1":22,"v2":true,"v3":"hello world","v4":"quoted","v5":[1,2],"v6":"false"}}},"all":{"children":["ungrouped","prod","odd"]},"prod":{"children":["web","nspawn"]},"web":{"hosts":["web01","web02","web03"]}}`,
  },
  {
    sources: ['basic/hosts.ini'],
    limit: 'odd[1:2]:top2',
    list: String.raw`{"_meta":{"hostvars":{"top2":{"ansible_port":2222}}},"all":{"children":["ungrouped","prod","odd"]},"odd":{"hosts":["h3","h5"]},"prod":{"children":["web","nspawn"]},"ungrouped":{"hosts":["top2"]}}`,
  },
  {
    sources: ['vars/hosts'],
    limit: 'web1,db1',
    list: String.raw`{"_meta":{"hostvars":{"db1":{"all_file":true,"db_file":"json","nested":{"b":2},"only_all":1,"shared":"from_group_vars_db","tier":"app"},"web1":{"all_file":true,"http_port":8080,"nested":{"b":2},"only_all":1,"order":"second","shared":"from_host_vars_web1","tier":"app","web_file":"first"}}},"all":{"children":["ungrouped","app"]},"app":{"children":["web","db"]},"db":{"hosts":["db1"]},"web":{"hosts":["web1"]}}`,
  },
];

describe('ansible-inventory --vars and --limit', () => {
  for (const row of graphVarsCases) {
    it(`--graph --vars of ${row.sources.join(' + ')} prints what ansible-inventory prints`, async () => {
      const inventory = await loadInventory(row.sources, { cwd: fixtures });
      assert.equal(inventoryGraph(inventory, 'all', { vars: true }), row.graph);
    });
  }
  for (const row of listLimitCases) {
    it(`--list --limit '${row.limit}' of ${row.sources.join(' + ')} keeps only the limited hosts`, async () => {
      const inventory = await loadInventory(row.sources, { cwd: fixtures });
      const onlyHosts = new Set(matchHosts(inventory, 'all', row.limit));
      assert.equal(toAnsibleJson(inventoryListJson(inventory, { onlyHosts })), toAnsibleJson(JSON.parse(row.list)));
    });
  }
  it('--graph --limit shows every group but only the limited hosts', async () => {
    const inventory = await loadInventory(['vars/hosts'], { cwd: fixtures });
    assert.equal(
      inventoryGraph(inventory, 'app', { onlyHosts: new Set(['web2']) }),
      '@app:\n  |--@web:\n  |  |--web2\n  |--@db:',
    );
  });
});
