import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NspawnConnection } from '../connections/nspawn.js';
import { debconfModule } from '../modules/debconf.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { treeOptions } from './support/treeConnectionCases.js';
import { runModuleOn } from './support/treeModuleRun.js';

/** debconf for real in a Debian tree through nspawn (debconf's own questions exist in every tree). */

const skip = realTreeSkipReason();

describe('debconf in a Debian tree through nspawn', { skip }, () => {
  let remove = async () => {};
  let connection: NspawnConnection;
  const frontend = async () => /debconf\/frontend: (.*)/.exec((await connection.exec('debconf-show debconf')).stdout.toString())?.[1];
  const args = { name: 'debconf', question: 'debconf/frontend', vtype: 'select', value: 'Noninteractive' };

  before(async () => {
    let tree: string;
    ({ tree, remove } = await copyTestTree());
    connection = new NspawnConnection(treeOptions(tree));
    await connection.open();
  });
  after(async () => {
    await connection?.close();
    await remove();
  });

  test('debconf without a question reports the current answers of the package', async () => {
    const result = await runModuleOn(connection, debconfModule, { name: 'debconf' });
    assert.equal(result.changed, false);
    assert.equal((result.current as Record<string, string>)['debconf/frontend'], 'Dialog');
  });

  test('debconf check mode reports the change and leaves the answer alone', async () => {
    const result = await runModuleOn(connection, debconfModule, args, { check: true });
    assert.equal(result.changed, true);
    assert.equal(await frontend(), 'Dialog');
  });

  test('debconf sets an answer, with previous and current as Ansible, then reports changed=false', async () => {
    const first = await runModuleOn(connection, debconfModule, args, { diff: true });
    assert.equal(first.failed, undefined, String(first.msg));
    assert.deepEqual({ changed: first.changed, previous: first.previous, current: first.current }, {
      changed: true,
      previous: { 'debconf/frontend': 'Dialog' },
      current: { 'debconf/frontend': 'Noninteractive' },
    });
    assert.deepEqual(first.diff, { before: { 'debconf/frontend': 'Dialog' }, after: { 'debconf/frontend': 'Noninteractive' } });
    assert.equal(await frontend(), 'Noninteractive');
    const second = await runModuleOn(connection, debconfModule, args);
    assert.equal(second.changed, false);
  });

  test('debconf compares booleans case-insensitively', async () => {
    const question = { name: 'debconf', question: 'playtree/flag', vtype: 'boolean' };
    assert.equal((await runModuleOn(connection, debconfModule, { ...question, value: 'True' })).changed, true);
    assert.equal((await runModuleOn(connection, debconfModule, { ...question, value: true })).changed, false);
  });

  test('debconf refuses a question without vtype and value', async () => {
    const result = await runModuleOn(connection, debconfModule, { name: 'debconf', question: 'debconf/frontend' });
    assert.equal(result.failed, true);
    assert.match(String(result.msg), /required together: question, vtype, value/);
  });
});
