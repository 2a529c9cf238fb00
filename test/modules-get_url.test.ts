import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getUrlModule } from '../modules/get_url.js';
import { runModule, withTempDir } from './support/moduleRun.js';

const BODY = 'hello from the test server\n';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
let server: Server;
let base: string;
const requests: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.url === '/file.txt') res.end(req.method === 'HEAD' ? undefined : BODY);
    else if (req.url === '/SHA256SUMS') res.end(`${sha256('other')}  other.txt\n${sha256(BODY)}  file.txt\n`);
    else if (req.url === '/moved') res.writeHead(302, { location: '/file.txt' }).end();
    else res.writeHead(404, 'Not Found').end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('get_url downloads a file with the right checksum, then skips the download when it is in place', () =>
  withTempDir(async (dir) => {
    const dest = join(dir, 'f.txt');
    const args = { url: `${base}/file.txt`, dest, checksum: `sha256:${sha256(BODY)}`, mode: '0640' };
    const first = await runModule(getUrlModule, args);
    assert.deepEqual([first.changed, first.status_code, first.msg], [true, 200, `OK (${BODY.length} bytes)`]);
    assert.equal(await readFile(dest, 'utf8'), BODY);
    assert.equal((await stat(dest)).mode & 0o777, 0o640);
    const count = requests.length;
    const again = await runModule(getUrlModule, args);
    assert.deepEqual([again.changed, again.msg], [false, 'file already exists']);
    assert.equal(requests.length, count, 'no request when the checksum already matches');
  }));

test('get_url with a wrong checksum fails with Ansible\'s message and writes nothing', () =>
  withTempDir(async (dir) => {
    const dest = join(dir, 'f.txt');
    const wrong = sha256('not it');
    const result = await runModule(getUrlModule, { url: `${base}/file.txt`, dest, checksum: `sha256:${wrong}` });
    assert.equal(result.failed, true);
    assert.equal(result.msg, `The checksum for ${dest} did not match ${wrong}; it was ${sha256(BODY)}.`);
    assert.deepEqual(await readdir(dir), []);
  }));

test('get_url reads the expected digest from a checksum list URL', () =>
  withTempDir(async (dir) => {
    const result = await runModule(getUrlModule, { url: `${base}/file.txt`, dest: join(dir, 'f'), checksum: `sha256:${base}/SHA256SUMS` });
    assert.equal(result.changed, true);
    assert.equal(await readFile(join(dir, 'f'), 'utf8'), BODY);
  }));

test('get_url reports a 404 as "Request failed" with the status', () =>
  withTempDir(async (dir) => {
    const result = await runModule(getUrlModule, { url: `${base}/missing`, dest: join(dir, 'f') });
    assert.deepEqual([result.failed, result.msg, result.status_code, result.response], [true, 'Request failed', 404, 'HTTP Error 404: Not Found']);
    assert.deepEqual(await readdir(dir), []);
  }));

test('get_url into a folder names the file after the URL (after redirects)', () =>
  withTempDir(async (dir) => {
    const result = await runModule(getUrlModule, { url: `${base}/moved`, dest: dir });
    assert.equal(result.dest, join(dir, 'file.txt'));
    assert.equal(await readFile(join(dir, 'file.txt'), 'utf8'), BODY);
  }));

test('get_url without checksum replaces different content and leaves identical content alone', () =>
  withTempDir(async (dir) => {
    const dest = join(dir, 'f');
    await writeFile(dest, 'old\n');
    const first = await runModule(getUrlModule, { url: `${base}/file.txt`, dest, backup: true });
    assert.equal(first.changed, true);
    assert.equal(await readFile(String(first['backup_file']), 'utf8'), 'old\n');
    const again = await runModule(getUrlModule, { url: `${base}/file.txt`, dest });
    assert.equal(again.changed, false);
  }));

test('get_url in check mode sends HEAD and writes nothing', () =>
  withTempDir(async (dir) => {
    const count = requests.length;
    const result = await runModule(getUrlModule, { url: `${base}/file.txt`, dest: join(dir, 'f') }, { check: true });
    assert.equal(result.changed, true);
    assert.deepEqual(requests.slice(count), ['HEAD /file.txt']);
    assert.deepEqual(await readdir(dir), []);
  }));

test('get_url rejects a checksum without an algorithm', () =>
  withTempDir(async (dir) => {
    const result = await runModule(getUrlModule, { url: `${base}/file.txt`, dest: join(dir, 'f'), checksum: 'abc' });
    assert.equal(result.msg, 'The checksum parameter has to be in format <algorithm>:<checksum>');
  }));
