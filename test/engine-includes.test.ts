import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectedOutput, normalise, runPlaytree, tempRoot } from './fixtures/e2e/runPlaytree.js';

test('roles bring defaults, vars, files, templates and handlers; include/import tasks and roles; import_playbook', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    const run = await runPlaytree(['-i', 'hosts.ini', 'roles.yml', '-e', `root=${root}`]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(normalise(run.stdout, root), await expectedOutput('roles'));
    assert.equal(await readFile(join(root, 'motd'), 'utf8'), 'hello from alpha\n');
    assert.equal(await readFile(join(root, 'static.txt'), 'utf8'), 'static content\n');
  } finally {
    await cleanup();
  }
});

test('include_tasks on several hosts prints one line per file and item and runs the included tasks together', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'includes.yml', '-f', '1']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(normalise(run.stdout, '/nonexistent-root'), await expectedOutput('includes'));
});
