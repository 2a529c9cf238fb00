import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellJoin } from '../src/core/shellQuote.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/vault/', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/playtree.js', import.meta.url));

/**
 * --ask-vault-pass on a real terminal: util-linux `script` gives playtree a pty; the password is typed only
 * once the prompt has been printed, so the no-echo mode is already on.
 */
test('--ask-vault-pass asks on the terminal without echoing the password, and the play uses it', { skip: !existsSync('/usr/bin/script') }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'playtree-vault-tty-'));
  try {
    cpSync(FIXTURES, root, { recursive: true });
    writeFileSync(join(root, 'play.yml'), '- hosts: all\n  gather_facts: false\n  vars_files: [vars-1.1.yml]\n  tasks:\n    - debug: var=secret_word\n');
    const command = shellJoin([process.execPath, BIN, '-i', 'h,', '-c', 'local', 'play.yml', '--ask-vault-pass']);
    const child = spawn('/usr/bin/script', ['-qec', command, '/dev/null'], { cwd: root, env: { ...process.env, PLAYTREE_NO_LIVE: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let typed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!typed && output.includes('Vault password: ')) {
        typed = true;
        child.stdin.write('vault-test-password\r');
      }
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    assert.equal(code, 0, output);
    assert.match(output, /^Vault password: /);
    assert.doesNotMatch(output, /vault-test-password/);
    assert.match(output, /"secret_word": "opensesame"/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
