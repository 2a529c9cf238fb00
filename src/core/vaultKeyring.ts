import { open, stat } from 'node:fs/promises';
import { formatPosition, PlaytreeError, type SourcePosition } from './errors.js';
import { decryptVaultText, isVaultEncrypted, VAULT_HEADER, VaultFormatError, type VaultSecret } from './vault.js';

/**
 * The vault passwords of this run. The command line gathers them once, before any file is read (as
 * ansible-playbook sets its loader's secrets first); every controller file read afterwards (playbooks,
 * vars files, group_vars, inventories, `-e @file`, templates, the sources of copy, script and assemble, the
 * file and unvault lookups) is decrypted with them when it is vault-encrypted.
 */

let secrets: readonly VaultSecret[] = [];
let onlyMatchingLabel = false;
/** Vault texts already opened (a vars file read once per host, say): each key derivation costs milliseconds. */
const opened = new Map<string, Buffer>();

/** What could not be decrypted, and why: no password given, none that fits, or not vault data at all. */
export class VaultError extends PlaytreeError {
  constructor(
    message: string,
    readonly kind: 'no-secrets' | 'no-match' | 'format',
  ) {
    super(message);
  }
}

/** Sets the run's passwords (in the order they are tried) and Ansible's vault_id_match. */
export function setVaultSecrets(given: readonly VaultSecret[], options: { onlyMatchingLabel?: boolean } = {}): void {
  secrets = given;
  onlyMatchingLabel = options.onlyMatchingLabel ?? false;
  opened.clear();
}

const HOW_TO_GIVE = '--vault-password-file FILE, --vault-id LABEL@FILE or --ask-vault-pass';

/** The plaintext of vault text found at `where` (a file, or file:line:col for an inline `!vault`), or a VaultError. */
export function decryptWithRunSecrets(text: string, where: string): Buffer {
  let plaintext: Buffer | undefined;
  try {
    if (secrets.length === 0) {
      throw new VaultError(`${where}: vault-encrypted, but no vault password was given: pass ${HOW_TO_GIVE}`, 'no-secrets');
    }
    plaintext = opened.get(text) ?? decryptVaultText(text, secrets, onlyMatchingLabel);
  } catch (error) {
    if (error instanceof VaultFormatError) throw new VaultError(`${where}: not valid vault data: ${error.message}`, 'format');
    throw error;
  }
  if (!plaintext) {
    const labels = [...new Set(secrets.map((secret) => secret.label))].join(', ');
    throw new VaultError(`${where}: none of the vault passwords given decrypts it (vault ids tried: ${labels}); check the password, or pass the right one with ${HOW_TO_GIVE}`, 'no-match');
  }
  opened.set(text, plaintext);
  return plaintext;
}

/** A controller file's bytes, decrypted when they are vault-encrypted. */
export function plainFileBytes(bytes: Buffer, file: string): Buffer {
  return isVaultEncrypted(bytes) ? decryptWithRunSecrets(bytes.toString('utf8'), file) : bytes;
}

/** The text of an inline `!vault` value written at `position`. */
export function decryptInlineVault(text: string, position: SourcePosition): string {
  return decryptWithRunSecrets(text, `${formatPosition(position)} (!vault value)`).toString('utf8');
}

/**
 * A controller file's decrypted bytes when it is vault-encrypted, else undefined (only its first bytes are
 * read then; undefined too when it cannot be opened): for modules that send controller files (their `decrypt`,
 * on by default as in Ansible).
 */
export async function readVaultFileIfEncrypted(file: string): Promise<Buffer | undefined> {
  // Only a regular file can hold a vault: opening a FIFO or a device would wait for a writer, or read what
  // the caller's own transfer should read. A file that cannot be opened is left to the caller's own
  // reading, which reports it as it always has.
  if (!(await stat(file).catch(() => undefined))?.isFile()) return undefined;
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const start = Buffer.alloc(VAULT_HEADER.length);
    const { bytesRead } = await handle.read(start, 0, start.length, 0);
    if (!isVaultEncrypted(start.subarray(0, bytesRead))) return undefined;
    return decryptWithRunSecrets((await handle.readFile()).toString('utf8'), file);
  } finally {
    await handle.close();
  }
}
