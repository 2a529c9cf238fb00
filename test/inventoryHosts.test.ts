/**
 * Host selection and the inventory layer's variables. Expected host lists were printed by
 * `ansible -i test/fixtures/inventory/vars/hosts PATTERN --list-hosts` (ansible-core 2.14).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  groupNamesOf,
  groupsMap,
  hostVariables,
  loadInventory,
  matchHosts,
  matchHostsWithWarnings,
  splitHostPattern,
} from '../src/inventory/index.js';
import { inventoryHostJson } from '../src/inventory/inventoryOutput.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/inventory');
const varsInventory = path.join(fixtures, 'vars/hosts');

describe('host patterns select hosts in Ansible order', () => {
  const table: [string, string[], string?][] = [
    ['all', ['web1', 'web2', 'db1']],
    ['*', ['web1', 'web2', 'db1']],
    ['web', ['web1', 'web2']],
    ['db:web', ['db1', 'web1', 'web2']],
    ['web,db', ['web1', 'web2', 'db1']],
    ['app:&web', ['web1', 'web2']],
    ['app:!web', ['db1']],
    ['!web', ['db1']],
    ['&db', ['db1']],
    ['web*', ['web1', 'web2']],
    ['w?b1', ['web1']],
    ['~web[0-9]', ['web1', 'web2']],
    ['db:web1', ['db1', 'web1']],
    ['app[0]', ['web1']],
    ['app[-1]', ['db1']],
    ['app[1:2]', ['web2', 'db1']],
    ['app[1:]', ['web2', 'db1']],
    ['web[1]:db', ['web2', 'db1']],
    ['nosuch', []],
    ['all', ['web1', 'web2', 'db1'], 'all:app'],
    ['all', ['web1', 'web2', 'db1'], 'web:db1'],
    ['all', ['db1'], 'db'],
    ['web', [], 'db'],
  ];
  for (const [pattern, hosts, limit] of table) {
    it(`${pattern}${limit ? ` --limit ${limit}` : ''} selects [${hosts.join(', ')}]`, async () => {
      const inventory = await loadInventory([varsInventory]);
      assert.deepEqual(matchHosts(inventory, pattern, limit), hosts);
    });
  }

  it('a --limit @file reads one pattern per line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'playtree-limit-'));
    writeFileSync(path.join(dir, 'retry'), 'db1\nweb2\n');
    const inventory = await loadInventory([varsInventory]);
    assert.deepEqual(matchHosts(inventory, 'all', `@${path.join(dir, 'retry')}`), ['web2', 'db1']);
  });

  it('an unknown name gives Ansible\'s "could not match" warning', async () => {
    const inventory = await loadInventory([varsInventory]);
    assert.deepEqual(matchHostsWithWarnings(inventory, 'web:nosuch').warnings, [
      'Could not match supplied host pattern, ignoring: nosuch',
    ]);
  });

  it('splits on commas, or on colons outside ranges and ports', () => {
    assert.deepEqual(splitHostPattern('a:b:&c:!d'), ['a', 'b', '&c', '!d']);
    assert.deepEqual(splitHostPattern('web[1:2]:db'), ['web[1:2]', 'db']);
    assert.deepEqual(splitHostPattern('a, b ,'), ['a', 'b']);
    assert.deepEqual(splitHostPattern('/var/tmp/live'), ['/var/tmp/live']);
  });
});

describe('implicit localhost', () => {
  it('is matched by name with connection local but stays out of all', async () => {
    const inventory = await loadInventory([varsInventory]);
    assert.deepEqual(matchHosts(inventory, 'localhost'), ['localhost']);
    assert.deepEqual(matchHosts(inventory, 'all'), ['web1', 'web2', 'db1']);
    assert.equal(groupsMap(inventory).all?.includes('localhost'), false);
    const vars = hostVariables(inventory, 'localhost');
    assert.equal(vars.ansible_connection, 'local');
    assert.equal(vars.all_file, true, 'group_vars/all still applies, as in Ansible');
  });

  it('is the only host when the inventory source is missing, with Ansible\'s warnings', async () => {
    const inventory = await loadInventory(['/nonexistent/inventory']);
    assert.deepEqual(inventory.warnings, [
      'Unable to parse /nonexistent/inventory as an inventory source',
      'No inventory was parsed, only implicit localhost is available',
    ]);
    assert.deepEqual(matchHosts(inventory, 'all'), []);
    assert.deepEqual(matchHosts(inventory, 'localhost'), ['localhost']);
  });

  it('is not created when the inventory defines localhost itself', async () => {
    const inventory = await loadInventory(['localhost,other,']);
    assert.deepEqual(matchHosts(inventory, 'all'), ['localhost', 'other']);
    assert.equal(hostVariables(inventory, 'localhost').ansible_connection, undefined);
  });
});

describe('inventory variables follow Ansible precedence', () => {
  it('merges inventory vars, group_vars and host_vars beside inventory and playbook (ansible-inventory --host)', async () => {
    const inventory = await loadInventory([varsInventory]);
    const playbookDir = path.join(fixtures, 'playbookdir');
    // printed by: ansible-inventory -i vars/hosts --playbook-dir playbookdir --host web1
    assert.deepEqual(inventoryHostJson(inventory, 'web1', { playbookDir }), {
      all_file: true,
      http_port: 8080,
      nested: { b: 2 },
      only_all: 1,
      order: 'second',
      play_all: true,
      play_host: true,
      shared: 'from_host_vars_web1',
      tier: 'app',
      web_file: 'first',
    });
    // printed by: ansible-inventory -i vars/hosts --playbook-dir playbookdir --host db1
    assert.deepEqual(inventoryHostJson(inventory, 'db1', { playbookDir }), {
      all_file: true,
      db_file: 'json',
      nested: { b: 2 },
      only_all: 1,
      play_all: true,
      shared: 'from_group_vars_db',
      tier: 'app',
    });
  });

  it('orders group vars by depth, then ansible_group_priority, then name', async () => {
    const inventory = await loadInventory([path.join(fixtures, 'precedence/hosts.ini')]);
    // ansible-inventory --host h1 prints who=zeta, d={x: 1}: deep(1) < low(1, priority 5) < top(2) < alpha(3) < zeta(3)
    const vars = hostVariables(inventory, 'h1');
    assert.equal(vars.who, 'zeta');
    assert.deepEqual(vars.d, { x: 1 });
  });

  it('gives host vars from inventory_file and inventory_dir for the engine', async () => {
    const inventory = await loadInventory([varsInventory]);
    assert.equal(hostVariables(inventory, 'web2').inventory_file, varsInventory);
  });
});

describe('group_names and groups', () => {
  it('group_names lists the host\'s groups and ancestors, sorted, without all', async () => {
    const inventory = await loadInventory([varsInventory]);
    assert.deepEqual(groupNamesOf(inventory, 'web1'), ['app', 'web']);
    const ungrouped = await loadInventory(['solo,']);
    assert.deepEqual(groupNamesOf(ungrouped, 'solo'), ['ungrouped']);
  });

  it('groups maps every group, including all and ungrouped, to its hosts', async () => {
    const inventory = await loadInventory([varsInventory]);
    assert.deepEqual(groupsMap(inventory), {
      all: ['web1', 'web2', 'db1'],
      ungrouped: [],
      web: ['web1', 'web2'],
      db: ['db1'],
      app: ['web1', 'web2', 'db1'],
    });
  });
});
