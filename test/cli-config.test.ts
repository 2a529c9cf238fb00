import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadAnsibleConfig } from '../src/core/ansibleConfig.js';

test('roles_path: ANSIBLE_ROLES_PATH wins over ansible.cfg, its relative parts taken from the working folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'playtree-config-'));
  try {
    await writeFile(join(dir, 'ansible.cfg'), '[defaults]\nroles_path = cfg_roles:/abs/roles\n');
    assert.deepEqual(loadAnsibleConfig({}, dir).rolesPath, [join(dir, 'cfg_roles'), '/abs/roles']);
    assert.deepEqual(loadAnsibleConfig({ ANSIBLE_ROLES_PATH: 'a:/b' }, dir).rolesPath, [join(dir, 'a'), '/b']);
    assert.deepEqual(loadAnsibleConfig({ ANSIBLE_ROLES_PATH: 'x', ANSIBLE_CONFIG: '/nonexistent' }, tmpdir()).rolesPath, [join(tmpdir(), 'x')]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
