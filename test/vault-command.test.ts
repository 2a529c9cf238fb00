import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './support/runCli.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/vault/', import.meta.url));

async function inCopyOfFixtures(body: (root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'playtree-vault-cmd-'));
  try {
    cpSync(FIXTURES, root, { recursive: true });
    await body(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('playtree vault decrypts a file ansible-vault encrypted, and encrypts it again under the vault id of the password', async () => {
  await inCopyOfFixtures(async (root) => {
    const decrypted = await runCli(['vault', 'decrypt', 'vars-1.1.yml', '--vault-password-file', 'password.txt'], { cwd: root });
    assert.equal(decrypted.code, 0, decrypted.stderr);
    assert.equal(readFileSync(join(root, 'vars-1.1.yml'), 'utf8'), 'secret_word: opensesame\nsecret_number: 42\n');
    const encrypted = await runCli(['vault', 'encrypt', 'vars-1.1.yml', '--vault-id', 'prod@password.txt'], { cwd: root });
    assert.equal(encrypted.code, 0, encrypted.stderr);
    assert.match(readFileSync(join(root, 'vars-1.1.yml'), 'utf8'), /^\$ANSIBLE_VAULT;1\.2;AES256;prod\n([0-9a-f]{80}\n)+[0-9a-f]{1,80}\n$/);
    const viewed = await runCli(['vault', 'view', 'vars-1.1.yml', '--vault-password-file', 'password-script.sh'], { cwd: root });
    assert.equal(viewed.stdout, 'secret_word: opensesame\nsecret_number: 42\n');
    const wrong = await runCli(['vault', 'view', 'vars-1.1.yml', '--vault-password-file', 'dev-password.txt'], { cwd: root });
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr, 'ERROR! vars-1.1.yml: none of the vault passwords given decrypts it; check the password\n');
  });
});

test('playtree vault encrypt_string prints a named !vault value that a play decrypts', async () => {
  await inCopyOfFixtures(async (root) => {
    const made = await runCli(['vault', 'encrypt_string', '--vault-password-file', 'password.txt', '--name', 'token', 'abc 123'], { cwd: root });
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^token: !vault \|\n {10}\$ANSIBLE_VAULT;1\.1;AES256\n( {10}[0-9a-f]+\n)+$/);
    writeFileSync(join(root, 'token.yml'), made.stdout);
    writeFileSync(join(root, 'play.yml'), '- hosts: all\n  gather_facts: false\n  vars_files: [token.yml]\n  tasks:\n    - debug: var=token\n');
    const run = await runCli(['-i', 'h,', '-c', 'local', 'play.yml', '--vault-password-file', 'password.txt'], { cwd: root });
    assert.match(run.stdout, /"token": "abc 123"/);
  });
});

test('playtree vault edit encrypts what the editor saved', async () => {
  await inCopyOfFixtures(async (root) => {
    const edited = await runCli(['vault', 'edit', 'vars-1.1.yml', '--vault-password-file', 'password.txt'], { cwd: root, env: { EDITOR: 'sed -i s/opensesame/changed/' } });
    assert.equal(edited.code, 0, edited.stderr);
    const viewed = await runCli(['vault', 'view', 'vars-1.1.yml', '--vault-password-file', 'password.txt'], { cwd: root });
    assert.equal(viewed.stdout, 'secret_word: changed\nsecret_number: 42\n');
  });
});
