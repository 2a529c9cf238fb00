import { readFile } from 'node:fs/promises';
import { ModuleError } from '../src/core/errors.js';
import { shellQuote } from '../src/core/shellQuote.js';
import { pythonJson } from '../src/template/pythonSerializers.js';
import { writeFileContent } from './fileWriter.js';
import { download, downloadFilename, type DownloadResponse } from '../src/core/httpDownload.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';

/**
 * ansible.builtin.uri: url, method, body with body_format (raw, json, form-urlencoded), src (a controller
 * file as the body), headers, status_code (a list), return_content, dest (a file or folder in the target),
 * creates, removes (checked in the target), timeout, validate_certs, url_username/url_password,
 * force_basic_auth, follow_redirects (all/yes, safe/urllib2, none/no), mode, owner, group. The result holds
 * status, url, msg, redirected, elapsed, every response header (lower case, `-` as `_`), cookies,
 * content (return_content) and json (a JSON answer), as Ansible's.
 * Differs: the request is made by the CONTROLLER (node:http/https, as get_url) and `dest` is streamed into the
 * target, so the target needs no network tools; credentials, when given, are always sent (as with
 * force_basic_auth); dest is changed only when its bytes differ (Ansible writes it each time); form-multipart,
 * client certificates, proxies, netrc, unix_socket and ciphers are not supported (form-multipart fails, the
 * others are ignored); skipped in check mode, as Ansible's.
 */
export const uriModule: ModuleDefinition = {
  name: 'uri',
  args: {
    url: { type: 'str', required: true },
    dest: { type: 'path' },
    url_username: { type: 'str', aliases: ['user'] },
    url_password: { type: 'str', aliases: ['password'] },
    body: { type: 'raw' },
    src: { type: 'path' },
    method: { type: 'str', default: 'GET' },
    return_content: { type: 'bool', default: false },
    follow_redirects: { type: 'str', default: 'safe', choices: ['all', 'no', 'none', 'safe', 'urllib2', 'yes'] },
    creates: { type: 'path' },
    removes: { type: 'path' },
    status_code: { type: 'list', elements: 'int', default: [200] },
    timeout: { type: 'int', default: 30 },
    headers: { type: 'dict', default: {} },
    body_format: { type: 'str', default: 'raw', choices: ['form-urlencoded', 'json', 'raw', 'form-multipart'] },
    force_basic_auth: { type: 'bool', default: false },
    validate_certs: { type: 'bool', default: true },
    http_agent: { type: 'str', default: 'ansible-httpget' },
    mode: { type: 'raw' },
    owner: { type: 'str' },
    group: { type: 'str' },
    remote_src: { type: 'bool', default: false },
    unredirected_headers: { type: 'list', elements: 'str' },
    decompress: { type: 'bool', default: true },
    use_proxy: { type: 'bool', default: true },
    use_gssapi: { type: 'bool', default: false },
    use_netrc: { type: 'bool', default: true },
    unix_socket: { type: 'path' },
    ca_path: { type: 'path' },
    client_cert: { type: 'path' },
    client_key: { type: 'path' },
    ciphers: { type: 'list', elements: 'str' },
    force: { type: 'bool', default: false },
    unsafe_writes: { type: 'bool', default: false },
  },
  run: runUri,
};

const REDIRECTS = { all: 'all', yes: 'all', safe: 'safe', urllib2: 'safe', none: 'none', no: 'none' } as const;

/** The request body as bytes, and the Content-Type it implies (unless the headers name one). */
export function requestBody(body: unknown, format: string): { data?: Buffer; contentType?: string } {
  if (body === undefined || body === null) return format === 'json' ? { contentType: 'application/json' } : {};
  if (format === 'json') return { data: Buffer.from(typeof body === 'string' ? body : pythonJson(body)), contentType: 'application/json' };
  if (format === 'form-urlencoded') {
    if (typeof body === 'string') return { data: Buffer.from(body), contentType: 'application/x-www-form-urlencoded' };
    const pairs = Array.isArray(body) ? (body as unknown[][]).map(([key, value]) => [String(key), String(value)]) : Object.entries(body as object).map(([key, value]) => [key, String(value)]);
    return { data: Buffer.from(new URLSearchParams(pairs).toString()), contentType: 'application/x-www-form-urlencoded' };
  }
  if (format === 'form-multipart') throw new ModuleError('body_format form-multipart is not supported by playtree; send the body as raw text with a Content-Type header');
  return { data: Buffer.from(typeof body === 'string' ? body : pythonJson(body)) };
}

/** creates/removes, asked of the target: a skip message, or undefined to go on. */
async function skipReason(ctx: ModuleContext): Promise<string | undefined> {
  const creates = ctx.args['creates'] as string | undefined;
  const removes = ctx.args['removes'] as string | undefined;
  if (creates === undefined && removes === undefined) return undefined;
  const tests = [creates, removes].map((path) => (path === undefined ? 'printf -' : `if [ -e ${shellQuote(path)} ]; then printf 1; else printf 0; fi`));
  const answer = (await ctx.target.exec(tests.join('; '))).stdout.toString();
  if (answer[0] === '1') return `skipped, since '${creates}' exists`;
  if (answer[1] === '0') return `skipped, since '${removes}' does not exist`;
  return undefined;
}

async function runUri(ctx: ModuleContext): Promise<ModuleResult> {
  if (ctx.check) return { changed: false, skipped: true, msg: 'remote module (uri) does not support check mode' };
  const a = ctx.args;
  const method = (a['method'] as string).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new ModuleError("Parameter 'method' needs to be a single word in uppercase, like GET or POST.");
  const skip = await skipReason(ctx);
  if (skip) return { changed: false, stdout: skip };
  const headers = Object.fromEntries(Object.entries(a['headers'] as Record<string, unknown>).map(([key, value]) => [key, String(value)]));
  const { data, contentType } = a['src'] !== undefined ? { data: await readFile(ctx.controller.findFile('files', a['src'] as string)), contentType: undefined } : requestBody(a['body'], a['body_format'] as string);
  if (contentType && !Object.keys(headers).some((key) => key.toLowerCase() === 'content-type')) headers['Content-Type'] = contentType;
  if (!Object.keys(headers).some((key) => key.toLowerCase() === 'user-agent')) headers['user-agent'] = a['http_agent'] as string;
  // As Python's urllib: one request per connection (servers then answer `connection: close`, as Ansible shows).
  if (!Object.keys(headers).some((key) => key.toLowerCase() === 'connection')) headers['Connection'] = 'close';
  const url = a['url'] as string;
  const start = Date.now();
  let response: DownloadResponse;
  try {
    response = await download({
      url, method, headers, body: data, timeout: a['timeout'] as number, validateCerts: a['validate_certs'] as boolean,
      username: a['url_username'] as string | undefined, password: a['url_password'] as string | undefined,
      followRedirects: REDIRECTS[a['follow_redirects'] as keyof typeof REDIRECTS], keepAnyBody: true,
    });
  } catch (error) {
    return { changed: false, failed: true, status: -1, url, elapsed: Math.floor((Date.now() - start) / 1000), msg: `Status code was -1 and not ${pythonJson(a['status_code'])}: ${(error as Error).message}` };
  }
  try {
    return await uriResult(ctx, response, url, Math.floor((Date.now() - start) / 1000));
  } finally {
    await response.remove();
  }
}

async function uriResult(ctx: ModuleContext, response: DownloadResponse, url: string, elapsed: number): Promise<ModuleResult> {
  const a = ctx.args;
  const statusCodes = a['status_code'] as number[];
  const expected = statusCodes.includes(response.status);
  const contentType = String(response.headers['content-type'] ?? '');
  const subType = (contentType.split(';')[0] ?? '').split('/')[1] ?? '';
  const maybeJson = ['json', 'javascript'].includes((subType.includes('+') ? subType.split('+')[1]! : subType).toLowerCase());
  const result: ModuleResult = { changed: false, redirected: response.url !== url, url: response.url, msg: response.message };
  for (const [key, value] of Object.entries(response.headers)) result[key.replace(/-/g, '_').toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  if (typeof result['location'] === 'string') result['location'] = new URL(result['location'], url).href;
  if (response.message.startsWith('OK')) Object.assign(result, cookies(response.headers['set-cookie'] ?? []));
  Object.assign(result, { elapsed, status: response.status });
  const dest = a['dest'] as string | undefined;
  if (dest !== undefined && response.file && expected && response.status !== 304) {
    const written = await writeFileContent(ctx, {
      dest, file: response.file, basename: downloadFilename(response.url, response.headers), label: response.url,
      mode: a['mode'], owner: a['owner'] as string | undefined, group: a['group'] as string | undefined,
    });
    if (written.failed) return { ...result, ...written };
    const { checksum: _checksum, dest: writtenTo, md5sum: _md5, ...info } = written;
    Object.assign(result, info, { path: writtenTo, changed: written.changed });
  }
  const wantsContent = maybeJson || a['return_content'] || !expected;
  const content = wantsContent && response.file ? (await readFile(response.file)).toString('utf8') : undefined;
  if (content !== undefined && maybeJson) {
    try {
      result['json'] = JSON.parse(content);
    } catch {
      // Not JSON after all: Ansible leaves `json` out.
    }
  }
  if (a['return_content']) result['content'] = content ?? '';
  if (!expected) return { ...result, failed: true, msg: `Status code was ${response.status} and not ${pythonJson(statusCodes)}: ${response.message}` };
  return result;
}

/** `cookies` (name → value) and `cookies_string` from Set-Cookie headers. */
function cookies(setCookie: string[]): { cookies: Record<string, string>; cookies_string: string } {
  const jar: Record<string, string> = {};
  for (const line of setCookie) {
    const [pair = ''] = line.split(';');
    const equals = pair.indexOf('=');
    if (equals > 0) jar[pair.slice(0, equals).trim()] = pair.slice(equals + 1).trim();
  }
  return { cookies: jar, cookies_string: Object.entries(jar).map(([name, value]) => `${name}=${value}`).join('; ') };
}
