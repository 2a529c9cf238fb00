import { readFile } from 'node:fs/promises';
import { workerData, type MessagePort } from 'node:worker_threads';
import { download, type DownloadRequest } from '../src/core/httpDownload.js';

/**
 * The url lookup's request, in a worker thread: templates render synchronously, so the lookup waits on
 * `signal` (Atomics) while this thread fetches with get_url's client and posts the body or the error.
 */
export interface UrlFetchJob {
  request: DownloadRequest;
  /** Send the credentials only when the server asks (401), as urllib does without force_basic_auth. */
  authOnChallenge: boolean;
  signal: SharedArrayBuffer;
  port: MessagePort;
}

export type UrlFetchAnswer = { body: string } | { httpError: string } | { error: string };

async function fetchBody(job: UrlFetchJob): Promise<UrlFetchAnswer> {
  const { username, password, ...anonymous } = job.request;
  let response = await download(job.authOnChallenge ? anonymous : job.request);
  if (job.authOnChallenge && response.status === 401 && username !== undefined) {
    await response.remove();
    response = await download({ ...anonymous, username, password });
  }
  try {
    if (response.status < 200 || response.status > 299) return { httpError: response.message };
    return { body: response.file ? await readFile(response.file, 'utf8') : '' };
  } finally {
    await response.remove();
  }
}

const job = workerData as UrlFetchJob;
let answer: UrlFetchAnswer;
try {
  answer = await fetchBody(job);
} catch (error) {
  answer = { error: (error as Error).message };
}
job.port.postMessage(answer);
const signal = new Int32Array(job.signal);
Atomics.store(signal, 0, 1);
Atomics.notify(signal, 0);
