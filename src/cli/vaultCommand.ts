import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadAnsibleConfig } from '../core/ansibleConfig.js';
import { PlaytreeError, UsageError } from '../core/errors.js';
import { shlexSplit } from '../core/shlex.js';
import { decryptVaultText, encryptVaultText, isVaultEncrypted, VaultFormatError, type VaultSecret } from '../core/vault.js';
import { gatherVaultSecrets } from './vaultPasswords.js';

/**
 * `playtree vault ACTION`: ansible-vault's encrypt, decrypt, view, encrypt_string, create and edit, writing
 * files ansible-vault reads (1.1, or 1.2 when the password has a vault id label). Passwords come from the
 * same places as for a run (--vault-password-file, --vault-id, -J, $ANSIBLE_VAULT_PASSWORD_FILE, ansible.cfg);
 * with none, the terminal is asked (twice when encrypting).
 */

export const VAULT_USAGE = `usage: playtree vault {encrypt,decrypt,view,encrypt_string,create,edit} [options] [file ...]

  encrypt FILE...          encrypt files in place (no FILE or '-': stdin to stdout)
  decrypt FILE...          decrypt files in place (no FILE or '-': stdin to stdout)
  view FILE...             print decrypted files
  encrypt_string STRING... print an inline '!vault |' value per STRING (--name gives each a key)
  create FILE / edit FILE  open $EDITOR on a new or decrypted file and encrypt what is saved

options:
  --vault-id LABEL@SOURCE, --vault-password-file FILE, -J/--ask-vault-pass   as for a run
  --encrypt-vault-id LABEL the vault id whose password encrypts (default: the first given)
  --output FILE            write encrypt/decrypt's result there ('-': stdout)
  -n, --name NAME          encrypt_string: the variable name of each string (may repeat)
`;

const ACTIONS = new Set(['encrypt', 'decrypt', 'view', 'encrypt_string', 'create', 'edit']);

export async function runVaultCommand(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        'vault-id': { type: 'string', multiple: true },
        'vault-password-file': { type: 'string', multiple: true },
        'vault-pass-file': { type: 'string', multiple: true },
        'ask-vault-pass': { type: 'boolean', short: 'J' },
        'encrypt-vault-id': { type: 'string' },
        output: { type: 'string' },
        name: { type: 'string', short: 'n', multiple: true },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see playtree vault --help)`);
  }
  const { values, positionals } = parsed;
  const [action, ...items] = positionals;
  if (values.help || action === undefined) {
    process.stdout.write(VAULT_USAGE);
    return values.help ? 0 : 2;
  }
  if (!ACTIONS.has(action)) throw new UsageError(`playtree vault: unknown action '${action}' (see playtree vault --help)`);
  const warn = (text: string) => process.stderr.write(`[WARNING]: ${text}\n`);
  const given = await gatherVaultSecrets(
    {
      vaultIds: values['vault-id'] ?? [],
      vaultPasswordFiles: [...(values['vault-password-file'] ?? []), ...(values['vault-pass-file'] ?? [])],
      askVaultPass: values['ask-vault-pass'] ?? false,
    },
    loadAnsibleConfig(),
    warn,
  );
  const encrypting = action === 'encrypt' || action === 'encrypt_string' || action === 'create';
  const secrets = given.secrets.length ? given.secrets : [await promptedSecret(encrypting)];
  const job = new VaultJob(secrets, values['encrypt-vault-id'], values.output);
  switch (action) {
    case 'encrypt':
    case 'decrypt':
      job.rewrite(action, items.length ? items : ['-']);
      break;
    case 'view':
      for (const file of items.length ? items : ['-']) process.stdout.write(job.decrypt(readInput(file), file));
      break;
    case 'encrypt_string':
      job.encryptStrings(items.length ? items : [readInput('-').toString('utf8')], values.name ?? []);
      break;
    default:
      if (items.length !== 1) throw new UsageError(`playtree vault ${action} takes one file`);
      job.edit(items[0]!, action === 'create');
  }
  return 0;
}

async function promptedSecret(confirm: boolean): Promise<VaultSecret> {
  const { readHiddenLine } = await import('./hiddenInput.js');
  const first = (await readHiddenLine(confirm ? 'New Vault password: ' : 'Vault password: ')).trim();
  if (!first) throw new PlaytreeError('the vault password typed was empty');
  if (confirm && (await readHiddenLine('Confirm New Vault password: ')).trim() !== first) throw new PlaytreeError('the vault passwords typed do not match');
  return { label: 'default', bytes: Buffer.from(first, 'utf8') };
}

function readInput(file: string): Buffer {
  try {
    return readFileSync(file === '-' ? 0 : file);
  } catch (error) {
    throw new PlaytreeError(`${file} could not be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

class VaultJob {
  private readonly encryptWith: VaultSecret;

  constructor(
    private readonly secrets: readonly VaultSecret[],
    encryptLabel: string | undefined,
    private readonly output: string | undefined,
  ) {
    const chosen = encryptLabel === undefined ? secrets[0] : secrets.find((secret) => secret.label === encryptLabel);
    if (!chosen) throw new PlaytreeError(`no vault password has the vault id '${encryptLabel}' given by --encrypt-vault-id (known: ${secrets.map((s) => s.label).join(', ')})`);
    this.encryptWith = chosen;
  }

  encrypt(plaintext: Buffer, where: string): string {
    if (isVaultEncrypted(plaintext)) throw new PlaytreeError(`${where} is already vault-encrypted`);
    return encryptVaultText(plaintext, this.encryptWith.bytes, this.encryptWith.label);
  }

  decrypt(data: Buffer, where: string): Buffer {
    if (!isVaultEncrypted(data)) throw new PlaytreeError(`${where} is not vault-encrypted`);
    let plaintext: Buffer | undefined;
    try {
      plaintext = decryptVaultText(data.toString('utf8'), this.secrets);
    } catch (error) {
      if (error instanceof VaultFormatError) throw new PlaytreeError(`${where}: not valid vault data: ${error.message}`);
      throw error;
    }
    if (!plaintext) throw new PlaytreeError(`${where}: none of the vault passwords given decrypts it; check the password`);
    return plaintext;
  }

  /** encrypt/decrypt: each file in place (keeping its mode), or to --output; '-' is stdin to stdout. */
  rewrite(action: 'encrypt' | 'decrypt', files: readonly string[]): void {
    if (this.output !== undefined && files.length > 1) throw new UsageError('--output takes one input file');
    for (const file of files) {
      const data = readInput(file);
      const result = action === 'encrypt' ? Buffer.from(this.encrypt(data, file)) : this.decrypt(data, file);
      const target = this.output ?? file;
      if (target === '-') process.stdout.write(result);
      else writeFileSync(target, result, { mode: target === file ? statSync(file).mode & 0o7777 : 0o600 });
      if (target !== '-') process.stderr.write(`${action === 'encrypt' ? 'Encryption' : 'Decryption'} successful\n`);
    }
  }

  encryptStrings(strings: readonly string[], names: readonly string[]): void {
    const blocks = strings.map((text, index) => {
      const body = this.encrypt(Buffer.from(text, 'utf8'), 'the string').trimEnd().split('\n').map((line) => `          ${line}`).join('\n');
      const name = names[index];
      return `${name !== undefined ? `${name}: ` : ''}!vault |\n${body}`;
    });
    process.stdout.write(`${blocks.join('\n\n')}\n`);
  }

  /** create/edit: the plaintext goes to a private temporary file for $EDITOR, then back encrypted. */
  edit(file: string, create: boolean): void {
    let existing: Buffer | undefined;
    try {
      existing = readFileSync(file);
    } catch {
      if (!create) throw new PlaytreeError(`${file} does not exist; use playtree vault create`);
    }
    if (create && existing) throw new PlaytreeError(`${file} exists already; use playtree vault edit`);
    const plaintext = existing ? this.decrypt(existing, file) : Buffer.alloc(0);
    const folder = mkdtempSync(join(tmpdir(), 'playtree-vault-'));
    try {
      const scratch = join(folder, basename(file));
      writeFileSync(scratch, plaintext, { mode: 0o600 });
      const editor = process.env['EDITOR'] || 'vi';
      const [program = 'vi', ...editorArgs] = shlexSplit(editor);
      const run = spawnSync(program, [...editorArgs, scratch], { stdio: 'inherit' });
      if (run.status !== 0) throw new PlaytreeError(`the editor '${editor}' exited with ${run.status ?? run.signal}; ${file} is unchanged`);
      const edited = readFileSync(scratch);
      if (existing && edited.equals(plaintext)) return;
      writeFileSync(file, this.encrypt(edited, file), { mode: existing ? statSync(file).mode & 0o7777 : 0o600 });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }
}
