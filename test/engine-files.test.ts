import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectedOutput, normalise, recapOf, runPlaytree, tempRoot } from './fixtures/e2e/runPlaytree.js';
import { play, runPlay } from './support/playRun.js';

test('files, environment and become as root (no sudo) print what ansible-playbook prints', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    const run = await runPlaytree(['-i', 'hosts.ini', 'files.yml', '-e', `root=${root}`]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(normalise(run.stdout, root), await expectedOutput('files'));
    assert.equal(await readFile(join(root, 'file.txt'), 'utf8'), 'one\nthree\n');
  } finally {
    await cleanup();
  }
});

test('--check changes nothing on disk and reports what would change', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    const run = await runPlaytree(['-i', 'hosts.ini', 'files.yml', '-e', `root=${root}`, '--check']);
    // As in Ansible: the file copy "would change", then lineinfile fails on the file that was not written.
    assert.equal(run.code, 2);
    assert.match(normalise(run.stdout, root), /fatal: \[alpha\]: FAILED! => \{"changed": false, "msg": "Destination ROOT\/file.txt does not exist !", "rc": 257\}/);
    assert.deepEqual(await readdir(root), []);
  } finally {
    await cleanup();
  }
});

test('--diff prints a unified diff before the changed line', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    const edited = await runPlaytree(['-i', 'hosts.ini', 'files.yml', '-e', `root=${root}`, '--diff']);
    // Each run writes one\ntwo then edits two to three: the same diff as ansible-playbook's for lineinfile.
    assert.ok(
      normalise(edited.stdout, root).includes(
        'TASK [Edit a line] *************************************************************\n' +
          '--- before: ROOT/file.txt (content)\n+++ after: ROOT/file.txt (content)\n@@ -1,2 +1,2 @@\n one\n-two\n+three\n\nchanged: [alpha]\n',
      ),
      edited.stdout,
    );
    assert.equal(recapOf(edited.stdout, 'alpha'), 'alpha                      : ok=5    changed=2    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0');
  } finally {
    await cleanup();
  }
});

test('become_user other than the connection user goes through sudo; without sudo the task fails cleanly', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'become.yml']);
  assert.equal(run.code, 2);
  assert.match(run.stdout, /fatal: \[alpha\]: FAILED! => .*"rc": 127.*sudo: not found/);
  assert.equal(run.stderr, '');
});

test('--diff writes a one-line hunk range as its start alone, as Python difflib does', async () => {
  const run = await runPlay({ 'play.yml': play('- copy: { content: "a\\n", dest: "{{ playbook_dir }}/f" }\n- copy: { content: "b\\n", dest: "{{ playbook_dir }}/f" }') }, ['--diff']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /\n@@ -0,0 \+1 @@\n\+a\n/);
  assert.match(run.stdout, /\n@@ -1 \+1 @@\n-a\n\+b\n/);
});
