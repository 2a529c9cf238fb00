import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createInflate } from 'node:zlib';
import { removeAtExit } from './exitCleanup.js';

/**
 * HTTP(S) downloads on the controller for get_url and apt's deb URLs: the body is streamed to a controller
 * temporary file while its digests are computed, so files of any size cost no memory.
 */

export interface DownloadRequest {
  url: string;
  /** GET unless said (uri sends any method, with `body`). */
  method?: string;
  body?: Buffer;
  /** Which redirects are followed: all (the default), safe (GET and HEAD only), none. */
  followRedirects?: 'all' | 'safe' | 'none';
  /** Keep the body of any status, not only 200's (uri reports error pages). */
  keepAnyBody?: boolean;
  headers?: Record<string, string>;
  /** Seconds for the connection and each read. */
  timeout: number;
  validateCerts: boolean;
  username?: string | undefined;
  password?: string | undefined;
  ifModifiedSince?: Date | undefined;
  /** Digests to compute of the body (sha1 and md5 are always computed). */
  algorithms?: readonly string[];
}

export interface DownloadResponse {
  status: number;
  /** Ansible's info msg: `OK (123 bytes)`, `HTTP Error 404: Not Found`. */
  message: string;
  /** The URL after redirects. */
  url: string;
  headers: IncomingMessage['headers'];
  /** The body on the controller (GET with status 200 only); `remove` deletes it. */
  file?: string;
  size: number;
  digests: Record<string, string>;
  remove: () => Promise<void>;
}

const MAX_REDIRECTS = 10;

/** Fetch `url`; network failures reject with an Error whose message says what happened. */
export async function download(request: DownloadRequest): Promise<DownloadResponse> {
  let url = new URL(request.url);
  for (let hop = 0; ; hop++) {
    const response = await send(url, request);
    const location = response.headers.location;
    const status = response.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status) && location && hop < MAX_REDIRECTS && followsRedirect(request)) {
      response.resume();
      url = new URL(location, url);
      // As urllib: a 303, or a 301/302 answering a POST, is followed with a GET and no body.
      if (status === 303 || ((status === 301 || status === 302) && request.method === 'POST')) request = { ...request, method: 'GET', body: undefined };
      continue;
    }
    return receive(response, url.href, request);
  }
}

function followsRedirect(request: DownloadRequest): boolean {
  const policy = request.followRedirects ?? 'all';
  return policy === 'all' || (policy === 'safe' && ['GET', 'HEAD', undefined].includes(request.method));
}

function send(url: URL, request: DownloadRequest): Promise<IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new Error(`unsupported URL scheme ${url.protocol} (only http and https URLs can be downloaded)`));
  }
  const headers: Record<string, string> = { 'user-agent': 'ansible-httpget', ...(request.headers ?? {}) };
  if (request.username !== undefined) {
    headers['authorization'] = `Basic ${Buffer.from(`${request.username}:${request.password ?? ''}`).toString('base64')}`;
  } else if (url.username) {
    headers['authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  }
  if (request.ifModifiedSince) headers['if-modified-since'] = request.ifModifiedSince.toUTCString();
  if (request.body) headers['content-length'] = String(request.body.length);
  const options = { method: request.method ?? 'GET', headers, timeout: request.timeout * 1000, rejectUnauthorized: request.validateCerts };
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, resolve);
    req.on('timeout', () => req.destroy(new Error(`Connection timed out after ${request.timeout} seconds`)));
    req.on('error', (error) => reject(new Error(`Request failed: ${error.message}`)));
    req.end(request.body);
  });
}

async function receive(response: IncomingMessage, url: string, request: DownloadRequest): Promise<DownloadResponse> {
  const status = response.statusCode ?? 0;
  const base = { status, url, headers: response.headers, size: 0, digests: {}, remove: async () => {} };
  const kept = request.keepAnyBody ? request.method !== 'HEAD' : status === 200 && request.method !== 'HEAD';
  if (!kept) {
    response.resume();
    const message = status === 200 || (request.keepAnyBody && status >= 200 && status < 300) ? `OK (${response.headers['content-length'] ?? 'unknown'} bytes)` : `HTTP Error ${status}: ${response.statusMessage ?? ''}`;
    return { ...base, message };
  }
  const folder = await mkdtemp(join(tmpdir(), 'playtree-get_url-'));
  const forget = removeAtExit(folder);
  const file = join(folder, 'body');
  const hashes = new Map([...new Set(['sha1', 'md5', ...(request.algorithms ?? [])])].map((name) => [name, createHash(name)]));
  let size = 0;
  const digest = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      for (const hash of hashes.values()) hash.update(chunk);
      done(null, chunk);
    },
  });
  const encoding = String(response.headers['content-encoding'] ?? '').toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : undefined;
  response.setTimeout(request.timeout * 1000, () => response.destroy(new Error(`read timed out after ${request.timeout} seconds`)));
  const remove = async () => {
    await rm(folder, { recursive: true, force: true });
    forget();
  };
  try {
    // The body may be a secret: 0600, in mkdtemp's 0700 folder, removed by `remove` (the caller's finally).
    const sink = createWriteStream(file, { mode: 0o600 });
    if (decoder) await pipeline(response, decoder, digest, sink);
    else await pipeline(response, digest, sink);
  } catch (error) {
    await remove();
    throw new Error(`failed to create temporary content file: ${(error as Error).message}`);
  }
  const digests = Object.fromEntries([...hashes].map(([name, hash]) => [name, hash.digest('hex')]));
  const ok = status === 200 || (request.keepAnyBody && status >= 200 && status < 300);
  const message = ok ? `OK (${response.headers['content-length'] ?? 'unknown'} bytes)` : `HTTP Error ${status}: ${response.statusMessage ?? ''}`;
  return { ...base, message, file, size, digests, remove };
}

/** Ansible's filename for a folder dest: Content-Disposition's, else the URL path's basename, else index.html. */
export function downloadFilename(url: string, headers: IncomingMessage['headers']): string {
  const disposition = /^attachment; ?filename="?([^"]+)/.exec(String(headers['content-disposition'] ?? ''));
  if (disposition) {
    const name = disposition[1]!.split('/').pop()!;
    if (name) return name;
  }
  const name = new URL(url).pathname.split('/').pop() ?? '';
  return name === '' ? 'index.html' : name;
}
