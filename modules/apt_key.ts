import { ModuleError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import { writeFileContent } from './fileWriter.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { dearmor, downloadKey, fingerprints, isArmored, normalizeKeyId, readTargetFile } from './aptKeys.js';

/**
 * ansible.builtin.apt_key: id, data, file (on the target), url, keyserver, keyring, state, validate_certs.
 * Differs, as apt itself now wants it: no `apt-key` and no gpg in the tree. A key is stored as its own file
 * in /etc/apt/trusted.gpg.d/ (where apt reads trusted keys): `LONGID.asc` (armored) or `LONGID.gpg`, LONGID
 * the last 16 hex digits of its fingerprint; with `keyring: PATH` it is written to PATH instead (binary when
 * PATH ends in .gpg, as apt requires there). An `id` is checked against the key's fingerprints and, when a
 * key file for it is already there, nothing is downloaded. `keyserver` is asked over HKP's HTTP lookup.
 * `state: absent` (needs `id`) removes that key's file in trusted.gpg.d, and the `keyring` file when given.
 */
export const aptKeyModule: ModuleDefinition = {
  name: 'apt_key',
  args: {
    id: { type: 'str' },
    data: { type: 'str' },
    file: { type: 'path' },
    keyring: { type: 'path' },
    url: { type: 'str' },
    keyserver: { type: 'str' },
    state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
    validate_certs: { type: 'bool', default: true },
  },
  run,
};

const KEY_DIR = '/etc/apt/trusted.gpg.d';

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const given = ['data', 'file', 'url', 'keyserver'].filter((k) => a[k] !== undefined);
  if (given.length > 1) throw new ModuleError(`parameters are mutually exclusive: ${given.join('|')}`);
  const id = a['id'] === undefined ? undefined : normalizeKeyId(a['id'] as string);
  const keyring = a['keyring'] as string | undefined;
  if (a['state'] === 'absent') {
    if (!id) throw new ModuleError('state is absent but all of the following are missing: id');
    return removeKey(ctx, id, keyring);
  }
  if (id && !keyring && (await existingKeyFiles(ctx, id)).length) return { changed: false, id };
  const data = await keyData(ctx, id);
  const prints = fingerprints(data);
  if (!prints.length) throw new ModuleError('key data holds no OpenPGP public key');
  if (id && !prints.some((fp) => fp.endsWith(id))) throw new ModuleError(`key id mismatch: ${id} is none of the key's fingerprints (${prints.join(', ')})`);
  const dest = keyring ?? `${KEY_DIR}/${prints[0]!.slice(-16)}.${isArmored(data) ? 'asc' : 'gpg'}`;
  const bytes = dest.endsWith('.gpg') && isArmored(data) ? dearmor(data.toString('latin1')) : data;
  const written = await writeFileContent(ctx, { dest, data: bytes, label: dest, mode: '0644' });
  if (written.failed) throw new ModuleError(`could not write ${dest}: ${String(written.msg)}`);
  return { changed: written.changed, id: id ?? prints[0]!.slice(-16), fp: prints[0], key_file: dest };
}

async function keyData(ctx: ModuleContext, id: string | undefined): Promise<Buffer> {
  const a = ctx.args;
  if (a['data'] !== undefined) return Buffer.from(a['data'] as string);
  if (a['file'] !== undefined) return readTargetFile(ctx.target, a['file'] as string);
  if (a['url'] !== undefined) return downloadKey(a['url'] as string, a['validate_certs'] as boolean);
  const server = a['keyserver'] as string | undefined;
  if (server === undefined) throw new ModuleError(`key ${id ?? ''} is not in ${KEY_DIR} and there is no key to add: give data, file, url or keyserver`);
  if (!id) throw new ModuleError('Missing key_id, required with keyserver.');
  return downloadKey(hkpLookupUrl(server, id), a['validate_certs'] as boolean);
}

/** HKP's HTTP lookup for a key id: hkp:// is http (port 11371 unless given), hkps:// is https. */
export function hkpLookupUrl(server: string, id: string): string {
  const url = new URL(/^\w+:\/\//.test(server) ? server : `hkp://${server}`);
  const secure = url.protocol === 'hkps:' || url.protocol === 'https:';
  const port = url.port || (secure ? '' : '11371');
  return `${secure ? 'https' : 'http'}://${url.hostname}${port ? `:${port}` : ''}/pks/lookup?op=get&options=mr&search=0x${id}`;
}

/** Our key files in trusted.gpg.d whose name ends in the id's last 16 (or 8) digits. */
async function existingKeyFiles(ctx: ModuleContext, id: string): Promise<string[]> {
  const suffix = id.slice(-16);
  const list = await ctx.target.exec(`for f in ${KEY_DIR}/*${suffix}.asc ${KEY_DIR}/*${suffix}.gpg; do [ -f "$f" ] && echo "$f"; done; true`);
  return list.stdout.toString().split('\n').filter(Boolean);
}

async function removeKey(ctx: ModuleContext, id: string, keyring: string | undefined): Promise<ModuleResult> {
  const files = await existingKeyFiles(ctx, id);
  if (keyring) {
    const exists = await ctx.target.exec(shellJoin(['test', '-e', keyring]));
    if (exists.rc === 0) files.push(keyring);
  }
  if (files.length && !ctx.check) {
    const removed = await ctx.target.exec(shellJoin(['rm', '-f', '--', ...files]));
    if (removed.rc !== 0) throw new ModuleError(`could not remove ${files.join(', ')}: ${removed.stderr.toString().trim()}`);
  }
  return { changed: files.length > 0, id, removed: files };
}
