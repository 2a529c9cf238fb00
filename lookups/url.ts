import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { toBoolean } from '../src/core/boolean.js';
import type { DownloadRequest } from '../src/core/httpDownload.js';
import { LookupError, textTerm, type LookupPlugin } from './lookup.js';
import type { UrlFetchAnswer, UrlFetchJob } from './urlFetchWorker.js';

/**
 * `url`: the body of each URL, fetched on the controller (get_url's HTTP client), split into lines unless
 * `split_lines=False`. Options: `validate_certs`, `split_lines`, `headers` (a dict), `username`/`password`
 * (sent when the server asks, or at once with `force_basic_auth`), `timeout` (seconds, 10), `http_agent`.
 * Redirects are followed. Not supported (an error): proxies, GSSAPI, client certificates, `unix_socket`.
 */
const OPTIONS = ['validate_certs', 'split_lines', 'headers', 'username', 'password', 'force_basic_auth', 'timeout', 'http_agent', 'use_proxy', 'force', 'follow_redirects'];

function flag(options: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const value = options[name];
  if (value === undefined || value === null) return fallback;
  const parsed = toBoolean(value);
  if (parsed === undefined) throw new LookupError(`lookup 'url': ${name} must be a boolean, got ${String(value)}`);
  return parsed;
}

function requestFor(url: string, options: Record<string, unknown>): DownloadRequest {
  const timeout = Number(options['timeout'] ?? 10);
  if (!(timeout > 0)) throw new LookupError(`lookup 'url': timeout must be a positive number, got ${String(options['timeout'])}`);
  const headers: Record<string, string> = {};
  if (options['headers'] !== undefined && options['headers'] !== null) {
    if (typeof options['headers'] !== 'object' || Array.isArray(options['headers'])) throw new LookupError("lookup 'url': headers must be a dict");
    for (const [name, value] of Object.entries(options['headers'] as Record<string, unknown>)) headers[name.toLowerCase()] = String(value);
  }
  if (options['http_agent'] !== undefined) headers['user-agent'] = String(options['http_agent']);
  if (flag(options, 'force', false)) headers['cache-control'] = 'no-cache';
  const request: DownloadRequest = { url, headers, timeout, validateCerts: flag(options, 'validate_certs', true) };
  if (options['username'] !== undefined && options['username'] !== null) {
    request.username = String(options['username']);
    request.password = options['password'] === undefined || options['password'] === null ? '' : String(options['password']);
  }
  return request;
}

/** Runs the request in a worker thread and waits for it: the whole lookup stays synchronous. */
function fetchSynchronously(request: DownloadRequest, authOnChallenge: boolean): UrlFetchAnswer {
  const signal = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  const job: UrlFetchJob = { request, authOnChallenge, signal, port: port2 };
  const worker = new Worker(new URL('./urlFetchWorker.js', import.meta.url), { workerData: job, transferList: [port2] });
  try {
    // The worker's own timeouts end each hop (up to 11 with redirects); this bound only guards against a stuck worker.
    Atomics.wait(new Int32Array(signal), 0, 0, (request.timeout * 12 + 5) * 1000);
    const message = receiveMessageOnPort(port1);
    return message ? (message.message as UrlFetchAnswer) : { error: 'the request did not finish' };
  } finally {
    port1.close();
    void worker.terminate();
  }
}

export const urlLookup: LookupPlugin = {
  name: 'url',
  run: (terms, options) => {
    const unknown = Object.keys(options).filter((key) => !OPTIONS.includes(key));
    if (unknown.length) throw new LookupError(`lookup 'url': option(s) ${unknown.join(', ')} are not supported by playtree`);
    if (options['use_proxy'] !== undefined) flag(options, 'use_proxy', true);
    const splitLines = flag(options, 'split_lines', true);
    const authOnChallenge = !flag(options, 'force_basic_auth', false);
    const out: string[] = [];
    for (const term of terms) {
      const url = textTerm('url', term);
      const answer = fetchSynchronously(requestFor(url, options), authOnChallenge);
      if ('httpError' in answer) throw new LookupError(`Received HTTP error for ${url} : ${answer.httpError}`);
      if ('error' in answer && /certificate/i.test(answer.error)) throw new LookupError(`Error validating the server's certificate for ${url}: ${answer.error}`);
      if ('error' in answer) throw new LookupError(`Failed lookup url for ${url} : ${answer.error}`);
      // Python's bytes.splitlines(): \n, \r\n and \r end lines; a last empty line is not one.
      if (splitLines) out.push(...answer.body.split(/\r\n|[\n\r]/).filter((line, index, all) => index < all.length - 1 || line !== ''));
      else out.push(answer.body);
    }
    return out;
  },
};
