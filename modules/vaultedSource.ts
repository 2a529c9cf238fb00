import { ModuleError } from '../src/core/errors.js';
import { readVaultFileIfEncrypted, VaultError } from '../src/core/vaultKeyring.js';

/**
 * A controller file's plaintext when it is vault-encrypted, else undefined (the file is then sent as it is):
 * for the modules whose `decrypt` argument (default true) Ansible's actions honour (copy, script, assemble).
 * A vault file no password opens fails the task, as in Ansible.
 */
export async function decryptedControllerFile(local: string): Promise<Buffer | undefined> {
  try {
    return await readVaultFileIfEncrypted(local);
  } catch (error) {
    if (error instanceof VaultError) throw new ModuleError(error.message);
    throw error;
  }
}
