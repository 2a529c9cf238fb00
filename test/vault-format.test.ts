import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decryptVaultText, encryptVaultText, isVaultEncrypted, openEnvelope, parseVaultEnvelope, secretsToTry } from '../src/core/vault.js';
import { passwordFromSource } from '../src/cli/vaultPasswords.js';
import { HiddenLine } from '../src/cli/hiddenInput.js';
import { createTemplar } from '../src/template/index.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/vault/', import.meta.url));
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const secret = (password: string, label = 'default') => ({ label, bytes: Buffer.from(password) });

test('a file ansible-vault encrypted (1.1) opens with its password and not with another', () => {
  const text = fixture('vars-1.1.yml');
  assert.equal(isVaultEncrypted(text), true);
  assert.equal(decryptVaultText(text, [secret('vault-test-password')])?.toString(), 'secret_word: opensesame\nsecret_number: 42\n');
  assert.equal(decryptVaultText(text, [secret('dev-password')]), undefined);
  assert.equal(decryptVaultText(text, [secret('dev-password'), secret('vault-test-password', 'other')])?.toString().startsWith('secret_word'), true);
});

test('a 1.2 file names its vault id; the secrets with that label are tried first, the others after unless only matching labels may be used', () => {
  const text = fixture('vars-1.2-dev.yml');
  assert.equal(parseVaultEnvelope(text).label, 'dev');
  const secrets = [secret('a', 'prod'), secret('dev-password', 'dev'), secret('b')];
  assert.deepEqual(secretsToTry(secrets, 'dev').map((s) => s.label), ['dev', 'prod', 'default']);
  assert.deepEqual(secretsToTry(secrets, 'dev', true).map((s) => s.label), ['dev']);
  assert.equal(decryptVaultText(text, [secret('dev-password', 'elsewhere')])?.toString(), 'dev_secret: from the dev vault\n');
  assert.equal(decryptVaultText(text, [secret('dev-password', 'elsewhere')], true), undefined);
});

test('an inline encrypt_string value opens like a file', () => {
  const block = fixture('inline-vars.yml').split('\n').slice(1, 7).map((line) => line.trim()).join('\n');
  assert.equal(decryptVaultText(block, [secret('vault-test-password')])?.toString(), 'inline secret value');
});

test('encryption writes 80-column hex under a 1.1 header, or 1.2 with a label, and opens again; a changed byte fails the HMAC check', () => {
  for (const plaintext of ['', 'exactly sixteen!', 'a'.repeat(100)]) {
    const text = encryptVaultText(Buffer.from(plaintext), Buffer.from('pw'));
    const lines = text.split('\n');
    assert.equal(lines[0], '$ANSIBLE_VAULT;1.1;AES256');
    assert.ok(lines.slice(1, -2).every((line) => line.length === 80));
    assert.equal(decryptVaultText(text, [secret('pw')])?.toString(), plaintext);
  }
  const labelled = encryptVaultText(Buffer.from('x'), Buffer.from('pw'), 'prod');
  assert.ok(labelled.startsWith('$ANSIBLE_VAULT;1.2;AES256;prod\n'));
  const envelope = parseVaultEnvelope(labelled);
  assert.equal(envelope.salt.length, 32);
  assert.equal(openEnvelope(envelope, Buffer.from('pw'))?.toString(), 'x');
  envelope.ciphertext[0] ^= 1;
  assert.equal(openEnvelope(envelope, Buffer.from('pw')), undefined);
});

test('text that is not a vault envelope is a format error saying what is wrong', () => {
  assert.throws(() => parseVaultEnvelope('$ANSIBLE_VAULT;1.1;AES256\nzz\n'), /not hexadecimal/);
  assert.throws(() => parseVaultEnvelope('$ANSIBLE_VAULT;1.1;DES\n00\n'), /cipher 'DES' is not supported/);
  assert.throws(() => parseVaultEnvelope('$ANSIBLE_VAULT;1.1;AES256\n00\n'), /salt, HMAC and ciphertext/);
});

test('a password file is read without surrounding whitespace (opened with the passwords before it when vault-encrypted); an executable one is run for its output; empty or missing ones are errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'playtree-vault-'));
  try {
    writeFileSync(join(dir, 'pw'), '  s3cret \n\n');
    assert.equal(passwordFromSource(join(dir, 'pw'), 'default', []).toString(), 's3cret');
    assert.equal(passwordFromSource(join(FIXTURES, 'password-script.sh'), 'default', []).toString(), 'vault-test-password');
    writeFileSync(join(dir, 'id-client.sh'), '#!/bin/sh\necho "for $2"\n');
    chmodSync(join(dir, 'id-client.sh'), 0o755);
    assert.equal(passwordFromSource(join(dir, 'id-client.sh'), 'prod', []).toString(), 'for prod');
    writeFileSync(join(dir, 'failing'), '#!/bin/sh\nexit 3\n');
    chmodSync(join(dir, 'failing'), 0o755);
    assert.throws(() => passwordFromSource(join(dir, 'failing'), 'default', []), /vault password script .*failing exited with 3/);
    writeFileSync(join(dir, 'empty'), '\n');
    assert.throws(() => passwordFromSource(join(dir, 'empty'), 'default', []), /is empty/);
    assert.throws(() => passwordFromSource(join(dir, 'missing'), 'default', []), /was not found/);
    writeFileSync(join(dir, 'vaulted'), encryptVaultText(Buffer.from('inner password\n'), Buffer.from('outer')));
    assert.equal(passwordFromSource(join(dir, 'vaulted'), 'default', [secret('outer')]).toString(), 'inner password');
    assert.throws(() => passwordFromSource(join(dir, 'vaulted'), 'default', []), /itself vault-encrypted/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the no-echo prompt reader ends a line at Enter, erases with Backspace and ^U, stops at ^C and at ^D on an empty line', () => {
  const rows: Array<[string[], string, string]> = [
    [['pass', 'word\r'], 'line', 'password'],
    [['abx\u007fc\n'], 'line', 'abc'],
    [['junk\u0015ok\r'], 'line', 'ok'],
    [['ab\u0003'], 'interrupted', 'ab'],
    [['\u0004'], 'end', ''],
    [['ab'], 'pending', 'ab'],
  ];
  for (const [chunks, state, text] of rows) {
    const line = new HiddenLine();
    let last = 'pending';
    for (const chunk of chunks) last = line.take(chunk);
    assert.deepEqual([last, line.text], [state, text], JSON.stringify(chunks));
  }
});

test('the vault filter writes vault text labelled filter_default that unvault (and ansible-vault) opens; unvault opens the fixtures', () => {
  const templar = createTemplar({ fixture: fixture('vars-1.1.yml') });
  const vaulted = String(templar.renderText("{{ 'top secret' | vault('pw') }}"));
  assert.ok(vaulted.startsWith('$ANSIBLE_VAULT;1.2;AES256;filter_default\n'));
  assert.equal(decryptVaultText(vaulted, [secret('pw')])?.toString(), 'top secret');
  assert.equal(templar.renderText("{{ 'top secret' | vault('pw', vaultid='prod') | unvault('pw') }}"), 'top secret');
  assert.equal(templar.renderText("{{ fixture | unvault('vault-test-password') }}"), 'secret_word: opensesame\nsecret_number: 42\n');
  assert.equal(templar.renderText("{{ 'plain' | unvault('pw') }}"), 'plain');
});
