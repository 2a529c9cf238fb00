import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path/posix';
import { ModuleError } from '../src/core/errors.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { applyAttributes, installContent, isFailure } from './fileWriter.js';
import { download, downloadFilename, type DownloadRequest, type DownloadResponse } from '../src/core/httpDownload.js';
import { pathInfo, readPathState, readPathStates, type ChecksumAlgorithm, type PathState } from './remoteFile.js';
import { attributeChanges, hasChanges } from './fileAttributes.js';

/**
 * ansible.builtin.get_url: url, dest (file or folder), checksum (`ALGO:HEX` or `ALGO:URL` of a checksum
 * list), force, backup, headers, timeout, validate_certs, url_username/url_password (username/password),
 * force_basic_auth, http_agent, mode, owner, group. Other url options are accepted and ignored.
 * Differs from Ansible: the download runs on the CONTROLLER (node:http/https) and the file is put into the
 * target, so the target needs no network tools; credentials, when given, are always sent (as with
 * force_basic_auth); check mode sends a HEAD request.
 */
export const getUrlModule: ModuleDefinition = {
  name: 'get_url',
  args: {
    url: { type: 'str', required: true },
    dest: { type: 'path', required: true },
    checksum: { type: 'str', default: '' },
    force: { type: 'bool', default: false },
    backup: { type: 'bool', default: false },
    headers: { type: 'dict' },
    timeout: { type: 'int', default: 10 },
    validate_certs: { type: 'bool', default: true },
    url_username: { type: 'str', aliases: ['username'] },
    url_password: { type: 'str', aliases: ['password'] },
    force_basic_auth: { type: 'bool', default: false },
    http_agent: { type: 'str', default: 'ansible-httpget' },
    mode: { type: 'raw' },
    owner: { type: 'str' },
    group: { type: 'str' },
    use_proxy: { type: 'bool', default: true },
    tmp_dest: { type: 'path' },
    decompress: { type: 'bool', default: true },
    use_netrc: { type: 'bool', default: true },
    use_gssapi: { type: 'bool', default: false },
    unredirected_headers: { type: 'list', elements: 'str' },
    client_cert: { type: 'path' },
    client_key: { type: 'path' },
    ciphers: { type: 'list', elements: 'str' },
    unsafe_writes: { type: 'bool', default: false },
  },
  run: runGetUrl,
};

const ALGORITHMS: readonly ChecksumAlgorithm[] = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'];

interface ExpectedChecksum {
  algorithm: ChecksumAlgorithm;
  value: string;
}

async function runGetUrl(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const url = a['url'] as string;
  let dest = a['dest'] as string;
  let force = a['force'] as boolean;
  const started = Date.now();
  const result: ModuleResult = { changed: false, checksum_dest: null, checksum_src: null, dest, elapsed: 0, url };
  const elapsed = () => Math.floor((Date.now() - started) / 1000);
  const requestBase = {
    timeout: a['timeout'] as number,
    validateCerts: a['validate_certs'] as boolean,
    headers: { 'user-agent': a['http_agent'] as string, ...stringHeaders(a['headers']) },
    username: a['url_username'] as string | undefined,
    password: a['url_password'] as string | undefined,
  };
  const expected = a['checksum'] ? await expectedChecksum(a['checksum'] as string, url, requestBase) : undefined;
  if (typeof expected === 'string') return { ...result, failed: true, msg: expected };
  const readOptions = { follow: true, checksum: expected?.algorithm ?? ('sha1' as const) };
  const [given, parent] = await readPathStates(ctx.target, [dest, dirname(dest)], readOptions);
  const destIsDir = given!.type === 'directory';
  let ifModifiedSince: Date | undefined;
  const wanted = { mode: a['mode'], owner: a['owner'] as string | undefined, group: a['group'] as string | undefined };
  if (!destIsDir && given!.exists) {
    const mismatch = !force && expected !== undefined && given!.checksum !== expected.value;
    if (!force && expected && !mismatch) return keepExisting(ctx, given!, wanted, result);
    ifModifiedSince = new Date(given!.mtime * 1000);
    if (mismatch) force = true;
  }

  let response: DownloadResponse;
  try {
    response = await download({
      ...requestBase,
      url,
      method: ctx.check ? 'HEAD' : 'GET',
      ifModifiedSince: force ? undefined : ifModifiedSince,
      algorithms: expected ? [expected.algorithm] : [],
    });
  } catch (error) {
    return { ...result, failed: true, msg: (error as Error).message, elapsed: elapsed() };
  }
  try {
    result['elapsed'] = elapsed();
    if (response.status === 304) return { ...result, changed: false, msg: 'HTTP Error 304: Not Modified', status_code: 304 };
    if (response.status !== 200) return { ...result, failed: true, msg: 'Request failed', status_code: response.status, response: response.message };
    let current = given!;
    let parentState = parent!;
    if (destIsDir) {
      parentState = given!;
      dest = join(dest, downloadFilename(response.url, response.headers));
      result['dest'] = dest;
      current = await readPathState(ctx.target, dest, readOptions);
    }
    if (response.file) result['src'] = response.file;
    result['checksum_src'] = response.digests['sha1'] ?? null;
    if (current.exists && readOptions.checksum === 'sha1') result['checksum_dest'] = current.checksum ?? null;
    if (!current.exists && !parentState.exists) return { ...result, failed: true, msg: `Destination ${dirname(dest)} does not exist` };
    if (ctx.check) return { ...result, changed: true, msg: response.message };
    if (expected && response.digests[expected.algorithm] !== expected.value) {
      const actual = response.digests[expected.algorithm];
      return { ...result, failed: true, msg: `The checksum for ${dest} did not match ${expected.value}; it was ${actual}.` };
    }
    const contentChanged = !current.exists || current.checksum !== response.digests[readOptions.checksum];
    const changes = attributeChanges(current, wanted);
    let after: PathState = current;
    if (contentChanged) {
      const installed = await installContent(ctx, { dest, current, file: response.file!, changes, backup: a['backup'] as boolean });
      if (isFailure(installed)) return { ...result, ...installed, msg: `failed to copy ${response.file} to ${dest}: ${String(installed.msg)}` };
      after = installed.state;
      if (installed.backupFile) result['backup_file'] = installed.backupFile;
    } else if (hasChanges(changes)) {
      const applied = await applyAttributes(ctx, dest, changes);
      if (isFailure(applied)) return { ...result, ...applied };
      after = applied;
    }
    return {
      ...result,
      ...pathInfo(after),
      changed: contentChanged || hasChanges(changes),
      md5sum: response.digests['md5'],
      msg: response.message,
      status_code: response.status,
    };
  } finally {
    await response.remove();
  }
}

/** dest already has the wanted checksum: no download, only mode/owner/group. */
async function keepExisting(ctx: ModuleContext, state: PathState, wanted: Parameters<typeof attributeChanges>[1], result: ModuleResult): Promise<ModuleResult> {
  const changes = attributeChanges(state, wanted);
  if (!hasChanges(changes)) return { ...result, ...pathInfo(state), msg: 'file already exists' };
  if (!ctx.check) {
    const applied = await applyAttributes(ctx, state.path, changes);
    if (isFailure(applied)) return { ...result, ...applied };
    return { ...result, ...pathInfo(applied), changed: true, msg: 'file already exists but file attributes changed' };
  }
  return { ...result, ...pathInfo(state), changed: true, msg: 'file already exists but file attributes changed' };
}

function stringHeaders(headers: unknown): Record<string, string> {
  if (!headers) return {};
  return Object.fromEntries(Object.entries(headers as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

/**
 * The `checksum` argument as Ansible reads it: `ALGO:HEX`, or `ALGO:URL` of a `sha256sum`-style list (the
 * line naming the URL's file, or a lone digest). Returns Ansible's failure message as a string.
 */
async function expectedChecksum(text: string, url: string, request: Omit<DownloadRequest, 'url'>): Promise<ExpectedChecksum | string> {
  const colon = text.indexOf(':');
  if (colon < 0) return 'The checksum parameter has to be in format <algorithm>:<checksum>';
  const algorithm = text.slice(0, colon).toLowerCase() as ChecksumAlgorithm;
  if (!ALGORITHMS.includes(algorithm)) throw new ModuleError(`unsupported checksum algorithm '${algorithm}': use one of ${ALGORITHMS.join(', ')}`);
  let value: string | undefined = text.slice(colon + 1);
  if (/^(https?|ftp|file):/i.test(value)) {
    const list = await download({ ...request, url: value }).catch((error: Error) => error);
    if (list instanceof Error) return list.message;
    try {
      if (list.status !== 200 || !list.file) return `Request failed: ${list.message} (${value})`;
      value = checksumFromList((await readFile(list.file, 'utf8')).split('\n'), urlFilename(url));
      if (value === undefined) return `Unable to find a checksum for file '${urlFilename(url)}' in '${text.slice(colon + 1)}'`;
    } finally {
      await list.remove();
    }
  }
  value = value.replace(/\W+/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(value)) return 'The checksum format is invalid';
  return { algorithm, value };
}

function urlFilename(url: string): string {
  return new URL(url).pathname.split('/').pop() || 'index.html';
}

/** ansible-core's reading of a checksum list: `DIGEST  name` / `DIGEST *name` lines, or one lone digest. */
export function checksumFromList(lines: readonly string[], filename: string): string | undefined {
  const rows = lines.filter((line) => line !== '');
  if (rows.length === 1 && rows[0]!.trim().split(/\s+/).length === 1) return rows[0]!.trim();
  for (const line of rows) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    let name = line.slice(space + 1);
    if (name.startsWith(' ') || name.startsWith('*')) name = name.slice(1);
    if (name.replace(/^[./]+/, '') === filename) return line.slice(0, space);
  }
  return undefined;
}
