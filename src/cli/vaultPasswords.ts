import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, extname, resolve } from 'node:path';
import type { AnsibleConfig } from '../core/ansibleConfig.js';
import { toBoolean } from '../core/boolean.js';
import { PlaytreeError } from '../core/errors.js';
import { decryptVaultText, isVaultEncrypted, type VaultSecret } from '../core/vault.js';

/**
 * The vault passwords of a run, gathered as ansible-playbook gathers them: ansible.cfg's `vault_identity_list`
 * ($ANSIBLE_VAULT_IDENTITY_LIST), then each `--vault-id LABEL@SOURCE`, then each `--vault-password-file`
 * and ansible.cfg's `vault_password_file` ($ANSIBLE_VAULT_PASSWORD_FILE) under the default label, then
 * `--ask-vault-pass`. A SOURCE is `prompt`, an executable (run; its stdout is the password; a name ending in
 * `-client` also gets `--vault-id LABEL`), or a file (its text, whitespace stripped). A source that fails is
 * warned about and skipped; when no password at all could be had, the last failure ends the run.
 */

export interface VaultOptions {
  vaultIds: readonly string[];
  vaultPasswordFiles: readonly string[];
  askVaultPass: boolean;
}

export interface GatheredSecrets {
  secrets: VaultSecret[];
  onlyMatchingLabel: boolean;
}

/** Whether the command line, environment or ansible.cfg names any vault password (else nothing is loaded). */
export function wantsVaultSecrets(cli: VaultOptions, config: AnsibleConfig, env: NodeJS.ProcessEnv = process.env): boolean {
  const defaults = config.sections['defaults'] ?? {};
  return cli.vaultIds.length > 0 || cli.vaultPasswordFiles.length > 0 || cli.askVaultPass ||
    Boolean(env['ANSIBLE_VAULT_PASSWORD_FILE'] || env['ANSIBLE_VAULT_IDENTITY_LIST'] || defaults['vault_password_file'] || defaults['vault_identity_list']);
}

export async function gatherVaultSecrets(cli: VaultOptions, config: AnsibleConfig, warn: (text: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<GatheredSecrets> {
  const defaults = config.sections['defaults'] ?? {};
  const defaultLabel = env['ANSIBLE_VAULT_IDENTITY'] || defaults['vault_identity'] || 'default';
  const configDir = config.file ? dirname(resolve(config.file)) : process.cwd();
  const configured = (env['ANSIBLE_VAULT_IDENTITY_LIST'] ?? defaults['vault_identity_list'] ?? '').split(',').map((id) => id.trim()).filter(Boolean);
  const home = (path: string) => path.replace(/^~(?=$|\/)/, homedir());
  const passwordFile = env['ANSIBLE_VAULT_PASSWORD_FILE'] || (defaults['vault_password_file'] ? resolve(configDir, home(defaults['vault_password_file'])) : '');
  const slugs = [
    ...configured,
    ...cli.vaultIds,
    ...[...cli.vaultPasswordFiles, ...(passwordFile ? [passwordFile] : [])].map((file) => `${defaultLabel}@${file}`),
    ...(cli.askVaultPass ? [`${defaultLabel}@prompt_ask_vault_pass`] : []),
  ];
  const secrets: VaultSecret[] = [];
  let lastFailure: PlaytreeError | undefined;
  for (const slug of slugs) {
    const at = slug.indexOf('@');
    const label = at < 0 ? defaultLabel : slug.slice(0, at) || defaultLabel;
    const source = at < 0 ? slug : slug.slice(at + 1);
    try {
      const bytes = source === 'prompt' || source === 'prompt_ask_vault_pass'
        ? await promptedPassword(source === 'prompt' ? `Vault password (${label}): ` : 'Vault password: ')
        : passwordFromSource(resolve(home(source)), label, secrets);
      secrets.push({ label, bytes });
    } catch (error) {
      if (!(error instanceof PlaytreeError)) throw error;
      warn(`vault id ${label}: ${error.message}`);
      lastFailure = error;
    }
  }
  if (lastFailure && secrets.length === 0) throw lastFailure;
  return { secrets, onlyMatchingLabel: toBoolean(env['ANSIBLE_VAULT_ID_MATCH'] ?? defaults['vault_id_match'] ?? false) === true };
}

async function promptedPassword(prompt: string): Promise<Buffer> {
  const { readHiddenLine } = await import('./hiddenInput.js');
  const typed = (await readHiddenLine(prompt)).trim();
  if (!typed) throw new PlaytreeError('the vault password typed was empty');
  return Buffer.from(typed, 'utf8');
}

/** A password file's text, or an executable's output; a vault-encrypted password file is opened with the passwords before it. */
export function passwordFromSource(file: string, label: string, earlier: readonly VaultSecret[]): Buffer {
  if (!existsSync(file)) throw new PlaytreeError(`the vault password file ${file} was not found; check the path given`);
  if (isExecutable(file)) return passwordFromScript(file, label);
  let bytes: Buffer;
  try {
    bytes = Buffer.from(readFileSync(file).toString('utf8').trim(), 'utf8');
  } catch (error) {
    throw new PlaytreeError(`the vault password file ${file} could not be read: ${(error as Error).message}`);
  }
  if (isVaultEncrypted(bytes)) {
    const opened = decryptVaultText(bytes.toString('utf8'), earlier);
    if (!opened) throw new PlaytreeError(`the vault password file ${file} is itself vault-encrypted and no earlier vault password opens it`);
    bytes = opened;
  }
  const password = stripLineEnds(bytes);
  if (password.length === 0) throw new PlaytreeError(`the vault password file ${file} is empty`);
  return password;
}

function passwordFromScript(file: string, label: string): Buffer {
  const isClient = basenameWithoutExtension(file).endsWith('-client');
  const argv = isClient ? ['--vault-id', label] : [];
  // stderr stays the terminal's, so a script may prompt there (a client script's is captured, as Ansible does).
  const run = spawnSync(file, argv, { stdio: ['inherit', 'pipe', isClient ? 'pipe' : 'inherit'], maxBuffer: 1 << 20 });
  if (run.error) throw new PlaytreeError(`the vault password script ${file} could not be run (${run.error.message}); if it is not a script, remove its executable bit`);
  const stderr = run.stderr ? ` ${run.stderr.toString().trim()}` : '';
  if (isClient && run.status === 2) throw new PlaytreeError(`the vault password client script ${file} has no password for vault id ${label}:${stderr}`);
  if (run.status !== 0) throw new PlaytreeError(`the vault password script ${file} exited with ${run.status ?? run.signal}:${stderr || ' (no message)'}`);
  const password = stripLineEnds(run.stdout);
  if (password.length === 0) throw new PlaytreeError(`the vault password script ${file} printed no password`);
  return password;
}

/** Any execute bit set, as Ansible's loader decides (root could run any file). */
function isExecutable(file: string): boolean {
  return (statSync(file).mode & 0o111) !== 0;
}

function basenameWithoutExtension(file: string): string {
  const name = file.split('/').pop()!;
  return name.slice(0, name.length - extname(name).length);
}

/** Without leading and trailing CR and LF bytes (what Ansible strips from a script's output). */
function stripLineEnds(bytes: Buffer): Buffer {
  let start = 0;
  let end = bytes.length;
  while (start < end && (bytes[start] === 10 || bytes[start] === 13)) start++;
  while (end > start && (bytes[end - 1] === 10 || bytes[end - 1] === 13)) end--;
  return bytes.subarray(start, end);
}
