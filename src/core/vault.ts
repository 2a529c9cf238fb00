/**
 * Ansible Vault's file format (`$ANSIBLE_VAULT;1.1;AES256`, and `;1.2;AES256;LABEL` with a vault id), with
 * Node's own crypto only. The envelope is a header line, then 80-column lines of hex; the hex decodes to three
 * lines: the salt (hex), the HMAC-SHA256 of the ciphertext (hex) and the ciphertext (hex). PBKDF2-SHA256 with
 * 10000 rounds turns password and salt into 80 bytes: the AES-256-CTR key, the HMAC key and the counter block.
 * The plaintext is PKCS#7-padded to 16 bytes before encryption, as the cryptography library's padder does.
 */

/** node:crypto costs ~5 ms to load: taken when vault data is first met (as in textFilters.ts), not at start-up. */
const nodeCrypto = () => process.getBuiltinModule('node:crypto');

export const VAULT_HEADER = '$ANSIBLE_VAULT';
const ROUNDS = 10000;
const KEY_BYTES = 32;
const IV_BYTES = 16;
const BLOCK = 16;
const LINE = 80;

/** One password and the vault id label it answers to (`default` unless given as `label@source`). */
export interface VaultSecret {
  label: string;
  bytes: Buffer;
}

/** The parts of an encrypted text. */
export interface VaultEnvelope {
  version: string;
  cipher: string;
  /** The vault id written in a 1.2 header, if any. */
  label?: string;
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

/** Text that is not a well-formed vault envelope. */
export class VaultFormatError extends Error {}

/** Whether text or bytes start as vault-encrypted data do (Ansible only looks at the header). */
export function isVaultEncrypted(data: string | Buffer): boolean {
  const start = typeof data === 'string' ? data.slice(0, VAULT_HEADER.length) : data.subarray(0, VAULT_HEADER.length).toString('latin1');
  return start === VAULT_HEADER;
}

/** Reads the header and hex body; throws VaultFormatError saying what is wrong. */
export function parseVaultEnvelope(text: string): VaultEnvelope {
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0]!.trim().split(';').map((part) => part.trim());
  if (header[0] !== VAULT_HEADER || header.length < 3) throw new VaultFormatError('the vault header line is not $ANSIBLE_VAULT;VERSION;CIPHER');
  const [, version, cipher, label] = header as [string, string, string, string | undefined];
  if (cipher !== 'AES256') throw new VaultFormatError(`the vault cipher '${cipher}' is not supported (only AES256)`);
  const inner = hexBytes(lines.slice(1).map((line) => line.trim()).join(''), 'the vault body').toString('latin1');
  const parts = inner.split('\n');
  if (parts.length < 3) throw new VaultFormatError('the vault body does not hold salt, HMAC and ciphertext');
  const [salt, hmac, ...rest] = parts;
  return {
    version,
    cipher,
    ...(label ? { label } : {}),
    salt: hexBytes(salt!, 'the vault salt'),
    hmac: hexBytes(hmac!, 'the vault HMAC'),
    ciphertext: hexBytes(rest.join('\n'), 'the vault ciphertext'),
  };
}

function hexBytes(hex: string, what: string): Buffer {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new VaultFormatError(`${what} is not hexadecimal`);
  return Buffer.from(hex, 'hex');
}

interface DerivedKeys {
  cipherKey: Buffer;
  hmacKey: Buffer;
  iv: Buffer;
}

function deriveKeys(password: Buffer, salt: Buffer): DerivedKeys {
  const derived = nodeCrypto().pbkdf2Sync(password, salt, ROUNDS, 2 * KEY_BYTES + IV_BYTES, 'sha256');
  return { cipherKey: derived.subarray(0, KEY_BYTES), hmacKey: derived.subarray(KEY_BYTES, 2 * KEY_BYTES), iv: derived.subarray(2 * KEY_BYTES) };
}

/** The plaintext when `password` opens the envelope, else undefined (the HMAC does not match or the padding is bad). */
export function openEnvelope(envelope: VaultEnvelope, password: Buffer): Buffer | undefined {
  const keys = deriveKeys(password, envelope.salt);
  const expected = nodeCrypto().createHmac('sha256', keys.hmacKey).update(envelope.ciphertext).digest();
  if (expected.length !== envelope.hmac.length || !nodeCrypto().timingSafeEqual(expected, envelope.hmac)) return undefined;
  const decipher = nodeCrypto().createDecipheriv('aes-256-ctr', keys.cipherKey, keys.iv);
  const padded = Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]);
  return withoutPadding(padded);
}

function withoutPadding(padded: Buffer): Buffer | undefined {
  const count = padded[padded.length - 1];
  if (count === undefined || count < 1 || count > BLOCK || count > padded.length) return undefined;
  for (let i = padded.length - count; i < padded.length; i++) if (padded[i] !== count) return undefined;
  return padded.subarray(0, padded.length - count);
}

/**
 * Which secrets to try for an envelope, in order: those whose label is the envelope's vault id first, then
 * the others (unless `onlyMatchingLabel`, Ansible's vault_id_match). The label is not signed, so any secret
 * may open any envelope: the order only saves key derivations.
 */
export function secretsToTry(secrets: readonly VaultSecret[], label: string, onlyMatchingLabel = false): VaultSecret[] {
  const matching = secrets.filter((secret) => secret.label === label);
  return onlyMatchingLabel ? matching : [...matching, ...secrets.filter((secret) => secret.label !== label)];
}

/** The plaintext of vault text opened by the first secret that fits, or undefined when none does. */
export function decryptVaultText(text: string, secrets: readonly VaultSecret[], onlyMatchingLabel = false): Buffer | undefined {
  const envelope = parseVaultEnvelope(text);
  for (const secret of secretsToTry(secrets, envelope.label ?? 'default', onlyMatchingLabel)) {
    const plaintext = openEnvelope(envelope, secret.bytes);
    if (plaintext) return plaintext;
  }
  return undefined;
}

/** Encrypts as ansible-vault does: a fresh 32-byte salt, format 1.1, or 1.2 when a label other than `default` is given. */
export function encryptVaultText(plaintext: Buffer, password: Buffer, label?: string, salt: Buffer = nodeCrypto().randomBytes(32)): string {
  const keys = deriveKeys(password, salt);
  const padCount = BLOCK - (plaintext.length % BLOCK);
  const padded = Buffer.concat([plaintext, Buffer.alloc(padCount, padCount)]);
  const cipher = nodeCrypto().createCipheriv('aes-256-ctr', keys.cipherKey, keys.iv);
  const ciphertext = Buffer.concat([cipher.update(padded), cipher.final()]);
  const hmac = nodeCrypto().createHmac('sha256', keys.hmacKey).update(ciphertext).digest('hex');
  const inner = Buffer.from([salt.toString('hex'), hmac, ciphertext.toString('hex')].join('\n'), 'latin1').toString('hex');
  const header = label && label !== 'default' ? `${VAULT_HEADER};1.2;AES256;${label}` : `${VAULT_HEADER};1.1;AES256`;
  const lines = [header];
  for (let i = 0; i < inner.length; i += LINE) lines.push(inner.slice(i, i + LINE));
  return `${lines.join('\n')}\n`;
}
