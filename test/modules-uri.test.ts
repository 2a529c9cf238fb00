import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requestBody, uriModule } from '../modules/uri.js';
import { runModule, withTempDir } from './support/moduleRun.js';

let server: Server;
let base: string;

/** /echo answers JSON describing the request; /text plain text; /moved a redirect; anything else 404. */
before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/echo') {
        res.writeHead(201, { 'content-type': 'application/json', 'x-thing': 'yes', 'set-cookie': ['a=1; Path=/', 'b=2'] });
        res.end(JSON.stringify({ method: req.method, body, type: req.headers['content-type'] ?? null, auth: req.headers.authorization ?? null }));
      } else if (req.url === '/text') res.writeHead(200, { 'content-type': 'text/plain' }).end('hello\n');
      else if (req.url === '/moved') res.writeHead(302, { location: '/text' }).end();
      else res.writeHead(404, 'Not Found', { 'content-type': 'text/plain' }).end('nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('uri sends a JSON body with credentials and returns status, headers, cookies, content and json', async () => {
  const result = await runModule(uriModule, {
    url: `${base}/echo`, method: 'POST', body: { a: 1 }, body_format: 'json', status_code: [200, 201], return_content: true,
    url_username: 'u', url_password: 'p', force_basic_auth: true,
  });
  assert.equal(result.failed, undefined);
  assert.equal(result['status'], 201);
  assert.equal(result['x_thing'], 'yes');
  assert.equal(result['content_type'], 'application/json');
  assert.deepEqual(result['cookies'], { a: '1', b: '2' });
  assert.equal(result['cookies_string'], 'a=1; b=2');
  assert.deepEqual(result['json'], { method: 'POST', body: '{"a": 1}', type: 'application/json', auth: 'Basic dTpw' });
  assert.equal(typeof result['content'], 'string');
  assert.equal(result['redirected'], false);
});

test('uri fails on a status not in status_code, with Ansible\'s message; follow_redirects none keeps the 302', async () => {
  const missing = await runModule(uriModule, { url: `${base}/missing` });
  assert.equal(missing.failed, true);
  assert.equal(missing.msg, 'Status code was 404 and not [200]: HTTP Error 404: Not Found');
  const kept = await runModule(uriModule, { url: `${base}/moved`, status_code: '200,302', follow_redirects: 'none' });
  assert.deepEqual([kept['status'], kept['location'], kept.failed], [302, `${base}/text`, undefined]);
  const followed = await runModule(uriModule, { url: `${base}/moved`, return_content: true });
  assert.deepEqual([followed['status'], followed['redirected'], followed['url'], followed['content']], [200, true, `${base}/text`, 'hello\n']);
});

test('uri writes dest in the target, changed only when the bytes differ; creates skips the request', () =>
  withTempDir(async (dir) => {
    const dest = join(dir, 'out.txt');
    const first = await runModule(uriModule, { url: `${base}/text`, dest, mode: '0600' });
    assert.deepEqual([first.changed, first['path'], first['size']], [true, dest, 6]);
    assert.equal(await readFile(dest, 'utf8'), 'hello\n');
    assert.equal((await stat(dest)).mode & 0o777, 0o600);
    const second = await runModule(uriModule, { url: `${base}/text`, dest, mode: '0600' });
    assert.equal(second.changed, false);
    await writeFile(join(dir, 'marker'), '');
    const skipped = await runModule(uriModule, { url: `${base}/missing`, creates: join(dir, 'marker') });
    assert.deepEqual([skipped.changed, skipped.failed, skipped.stdout], [false, undefined, `skipped, since '${join(dir, 'marker')}' exists`]);
  }));

test('uri encodes form bodies as Python does and refuses form-multipart', () => {
  assert.deepEqual(requestBody({ a: 1, b: 'x y' }, 'form-urlencoded'), { data: Buffer.from('a=1&b=x+y'), contentType: 'application/x-www-form-urlencoded' });
  assert.deepEqual(requestBody('raw text', 'raw'), { data: Buffer.from('raw text') });
  assert.throws(() => requestBody({ a: 1 }, 'form-multipart'), /form-multipart is not supported/);
});
