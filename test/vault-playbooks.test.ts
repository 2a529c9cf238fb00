import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './support/runCli.js';

/*
 * Real plays through the local connection on temp folders, with the files ansible-vault encrypted
 * (test/fixtures/vault, README there): what each vars source gives once decrypted, and the errors.
 */

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/vault/', import.meta.url));

async function withVaultFolder(files: Record<string, string>, body: (root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'playtree-vault-'));
  try {
    cpSync(FIXTURES, root, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(root, name, '..'), { recursive: true });
      writeFileSync(join(root, name), text);
    }
    await body(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const INVENTORY = 'h ansible_connection=local\n';

test('vault-encrypted group_vars, vars_files with an inline !vault, a 1.2 file by its vault id, include_vars and -e @file are decrypted in a play', async () => {
  await withVaultFolder(
    {
      'inv/hosts': INVENTORY,
      'inv/group_vars/all.yml': readFileSync(join(FIXTURES, 'vars-1.1.yml'), 'utf8'),
      'play.yml': `- hosts: all
  gather_facts: false
  vars_files: [inline-vars.yml]
  tasks:
    - include_vars: vars-1.2-dev.yml
    - debug:
        msg: "{{ secret_word }}|{{ secret_number + 1 }}|{{ inline_secret }}|{{ plain_value }}|{{ dev_secret }}|{{ from_extra }}"
`,
      'extra.yml': readFileSync(join(FIXTURES, 'inline-vars.yml'), 'utf8').replace('inline_secret', 'from_extra'),
    },
    async (root) => {
      const run = await runCli(['-i', 'inv/hosts', 'play.yml', '--vault-password-file', 'password.txt', '--vault-id', 'dev@dev-password.txt', '-e', '@extra.yml'], { cwd: root });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /"msg": "opensesame\|43\|inline secret value\|visible\|from the dev vault\|inline secret value"/);
    },
  );
});

test('copy sends a vault-encrypted src decrypted (also inside a folder), and as it is with decrypt: false', async () => {
  await withVaultFolder(
    {
      'out/.keep': '',
      'play.yml': `- hosts: all
  gather_facts: false
  tasks:
    - copy: { src: secret-file.txt, dest: "{{ playbook_dir }}/out/plain.txt" }
    - copy: { src: secret-file.txt, dest: "{{ playbook_dir }}/out/raw.txt", decrypt: false }
    - copy: { src: folder/, dest: "{{ playbook_dir }}/out/folder/" }
`,
    },
    async (root) => {
      mkdirSync(join(root, 'folder'));
      cpSync(join(FIXTURES, 'secret-file.txt'), join(root, 'folder/inner.txt'));
      const run = await runCli(['-i', 'h,', '-c', 'local', 'play.yml', '--vault-password-file', 'password-script.sh'], { cwd: root });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(readFileSync(join(root, 'out/plain.txt'), 'utf8'), 'line one of a secret file\nline two\n');
      assert.equal(readFileSync(join(root, 'out/folder/inner.txt'), 'utf8'), 'line one of a secret file\nline two\n');
      assert.equal(readFileSync(join(root, 'out/raw.txt'), 'utf8'), readFileSync(join(FIXTURES, 'secret-file.txt'), 'utf8'));
      const again = await runCli(['-i', 'h,', '-c', 'local', 'play.yml', '--vault-password-file', 'password-script.sh'], { cwd: root });
      assert.match(again.stdout, /ok=3 +changed=0/, 'a second run changes nothing');
    },
  );
});

test('template, the template and file lookups, script and assemble use the decrypted text of vault-encrypted controller files', async () => {
  await withVaultFolder(
    {
      'out/.keep': '',
      'frags/1-plain': 'first\n',
      'play.yml': `- hosts: all
  gather_facts: false
  vars: { who: world }
  tasks:
    - template: { src: hello.j2, dest: "{{ playbook_dir }}/out/hello.txt" }
    - script: script.sh hi
      register: ran
    - assemble: { src: frags, dest: "{{ playbook_dir }}/out/assembled.txt", remote_src: false }
    - debug:
        msg: "{{ ran.stdout | trim }}|{{ lookup('template', 'hello.j2') | trim }}|{{ lookup('file', 'secret-file.txt') }}|{{ lookup('unvault', 'vars-1.1.yml') }}"
`,
    },
    async (root) => {
      cpSync(join(FIXTURES, 'secret-file.txt'), join(root, 'frags/2-vaulted'));
      const run = await runCli(['-i', 'h,', '-c', 'local', 'play.yml', '--vault-password-file', 'password.txt'], { cwd: root });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(readFileSync(join(root, 'out/hello.txt'), 'utf8'), 'hello world\n');
      assert.equal(readFileSync(join(root, 'out/assembled.txt'), 'utf8'), 'first\nline one of a secret file\nline two\n');
      assert.match(run.stdout, /"msg": "script says hi\|hello world\|line one of a secret file\\nline two\|secret_word: opensesame\\nsecret_number: 42\\n"/);
    },
  );
});

test('a wrong vault password ends the run with one line naming the file, exit 1', async () => {
  await withVaultFolder(
    { 'play.yml': '- hosts: all\n  gather_facts: false\n  vars_files: [vars-1.1.yml]\n  tasks:\n    - debug: var=secret_word\n' },
    async (root) => {
      const run = await runCli(['-i', 'h,', '-c', 'local', 'play.yml', '--vault-id', 'dev@dev-password.txt'], { cwd: root });
      assert.equal(run.code, 1);
      assert.equal(run.stderr, `ERROR! ${join(root, 'vars-1.1.yml')}: none of the vault passwords given decrypts it (vault ids tried: dev); check the password, or pass the right one with --vault-password-file FILE, --vault-id LABEL@FILE or --ask-vault-pass\n`);
      assert.doesNotMatch(run.stdout, /TASK/);
    },
  );
});

test('without a vault password an encrypted vars file ends the run (exit 1); an inline !vault fails only the task that uses it', async () => {
  await withVaultFolder(
    {
      'file.yml': '- hosts: all\n  gather_facts: false\n  vars_files: [vars-1.1.yml]\n  tasks:\n    - debug: var=secret_word\n',
      'inline.yml': `- hosts: all
  gather_facts: false
  vars_files: [inline-vars.yml]
  tasks:
    - debug: var=plain_value
    - debug: msg="{{ inline_secret }}"
`,
    },
    async (root) => {
      const file = await runCli(['-i', 'h,', '-c', 'local', 'file.yml'], { cwd: root });
      assert.equal(file.code, 1);
      assert.match(file.stderr, /^ERROR! \S+vars-1\.1\.yml: vault-encrypted, but no vault password was given: pass --vault-password-file FILE, --vault-id LABEL@FILE or --ask-vault-pass\n$/);
      const inline = await runCli(['-i', 'h,', '-c', 'local', 'inline.yml'], { cwd: root });
      assert.equal(inline.code, 2);
      assert.match(inline.stdout, /"plain_value": "visible"/);
      assert.match(inline.stdout, /fatal: \[h\]: FAILED! .*inline-vars\.yml:1:\d+ \(!vault value\): vault-encrypted, but no vault password was given/);
    },
  );
});

test('a vault-encrypted INI inventory is read with the password, and the same password file opens its vars', async () => {
  await withVaultFolder(
    { 'play.yml': '- hosts: all\n  gather_facts: false\n  vars_files: [vars-1.1.yml]\n  tasks:\n    - debug:\n        msg: "{{ inventory_hostname }} {{ from_inventory }} {{ secret_word }}"\n' },
    async (root) => {
      const run = await runCli(['-i', 'inventory.ini', 'play.yml', '--vault-password-file', 'password.txt'], { cwd: root });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /"msg": "vaulted ini-secret opensesame"/);
    },
  );
});

test('ANSIBLE_VAULT_PASSWORD_FILE, ansible.cfg vault_password_file (relative to the config file) and ANSIBLE_VAULT_IDENTITY_LIST give the passwords; a missing password file is a warning when another password is there', async () => {
  await withVaultFolder(
    {
      'cfg/ansible.cfg': '[defaults]\nvault_password_file = ../password.txt\n',
      'play.yml': '- hosts: all\n  gather_facts: false\n  vars_files: [vars-1.1.yml]\n  tasks:\n    - debug: var=secret_word\n',
    },
    async (root) => {
      const byEnv = await runCli(['-i', 'h,', '-c', 'local', 'play.yml'], { cwd: root, env: { ANSIBLE_VAULT_PASSWORD_FILE: join(root, 'password.txt') } });
      assert.equal(byEnv.code, 0, byEnv.stderr);
      assert.match(byEnv.stdout, /"secret_word": "opensesame"/);
      const byConfig = await runCli(['-i', 'h,', '-c', 'local', 'play.yml'], { cwd: root, env: { ANSIBLE_CONFIG: join(root, 'cfg/ansible.cfg') } });
      assert.equal(byConfig.code, 0, byConfig.stderr);
      assert.match(byConfig.stdout, /"secret_word": "opensesame"/);
      const byIdentityList = await runCli(['-i', 'h,', '-c', 'local', 'play.yml', '-e', '@vars-1.2-dev.yml', '--vault-id', 'missing@nowhere.txt'], {
        cwd: root,
        env: { ANSIBLE_VAULT_IDENTITY_LIST: 'dev@dev-password.txt,password.txt' },
      });
      assert.equal(byIdentityList.code, 0, byIdentityList.stderr);
      assert.match(byIdentityList.stdout, /"secret_word": "opensesame"/);
      assert.match(byIdentityList.stderr, /^\[WARNING\]: vault id missing: the vault password file \S+nowhere\.txt was not found; check the path given\n$/);
    },
  );
});
