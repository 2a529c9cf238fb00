import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { expectedOutput, normalise, REPO, runPlaytree } from './fixtures/e2e/runPlaytree.js';

const FOLDER = join(REPO, 'test/fixtures/include-vars');
/** The fixtures are read in place: no temporary folder to replace in the output, only the checkout's path. */
const NO_ROOT = '\0';

test('include_vars reads files, folders and role vars, and ranks above task vars and below set_fact, as ansible-playbook 2.14', async () => {
  const run = await runPlaytree(['-i', 'localhost,', 'site.yml'], { cwd: FOLDER });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(normalise(run.stdout, NO_ROOT), await expectedOutput('include-vars-site'));
});

test('a failed include_vars names the file and the task, and sets no variables; a file templated to nothing is not found', async () => {
  const run = await runPlaytree(['-i', 'localhost,', 'errors.yml'], { cwd: FOLDER });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const fatal = run.stdout.split('\n').filter((line) => line.startsWith('fatal: ')).map((line) => normalise(line, NO_ROOT));
  const at = (line: number, task = 'include_vars') => `(task '${task}' at REPO/test/fixtures/include-vars/errors.yml:${line}:7)`;
  const dir = 'REPO/test/fixtures/include-vars';
  // ansible-playbook's messages, with the task and where it is written added.
  const expected = [
    `"message": "Could not find or access 'missing.yml'; searched: ${dir}/vars/missing.yml, ${dir}/missing.yml ${at(4)}"`,
    `"message": "${dir}/list.yml must be stored as a dictionary/hash ${at(6)}"`,
    `"ansible_included_var_files": ["${dir}/vars_dir/10-a.yml", "${dir}/vars_dir/20-b.json"], "changed": false, "message": "${dir}/vars_dir/30-c.txt does not have a valid extension: yaml, yml, json ${at(8)}"`,
    `"message": "${dir}/nodir directory does not exist ${at(10)}"`,
    `"msg": "You are mixing file only and dir only arguments, these are incompatible ${at(12)}"`,
    `"msg": "bogus is not a valid option in include_vars ${at(14, 'a wrong option')}"`,
    `"message": "Could not find file on the Ansible Controller.\\nIf you are using a module and expect the file to exist on the remote, see the remote_src option ${at(17)}"`,
  ];
  assert.equal(fatal.length, expected.length, run.stdout);
  for (const [index, text] of expected.entries()) assert.ok(fatal[index]!.includes(text), `${fatal[index]}\n  should hold\n${text}`);
  assert.match(run.stdout, /"msg": "no vars from a failed include"/);
});

test('ignore_unknown_extensions takes any Ansible boolean and skips the files with other extensions', async () => {
  for (const value of ['true', 'yes', 'True', '1']) {
    const run = await runPlaytree(
      ['-i', 'localhost,', '-e', JSON.stringify({ skip: value }), 'ignore-extensions.yml'],
      { cwd: FOLDER },
    );
    assert.equal(run.code, 0, `${value}: ${run.stdout}${run.stderr}`);
    // ansible-playbook 2.14's list for this folder.
    const files = normalise(run.stdout, NO_ROOT).match(/"read\.ansible_included_var_files": \[([^\]]*)\]/)?.[1];
    assert.deepEqual(files?.split(',').map((entry) => entry.trim()), [
      '"REPO/test/fixtures/include-vars/vars_dir/10-a.yml"',
      '"REPO/test/fixtures/include-vars/vars_dir/20-b.json"',
      '"REPO/test/fixtures/include-vars/vars_dir/sub/s.yml"',
    ], value);
  }
});
