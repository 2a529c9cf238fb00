import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { lookupPlugin } from '../lookups/index.js';
import { contextFromVariables } from '../src/template/lookupContext.js';
import { runWithFiles } from './fixtures/e2e/runPlaytree.js';

// The url lookup blocks the thread it runs on while its worker fetches, so the server lives in a child process.
const SERVER = `
const http = require('node:http');
let seen = 0;
http.createServer((req, res) => {
  seen++;
  const auth = req.headers.authorization;
  if (req.url === '/text') return res.end('one\\ntwo\\n\\nfour\\n');
  if (req.url === '/moved') { res.writeHead(302, { location: '/text' }); return res.end(); }
  if (req.url === '/headers') return res.end(String(req.headers['x-token']) + ' ' + req.headers['user-agent']);
  if (req.url.startsWith('/auth')) {
    if (!auth) { res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }); return res.end(); }
    return res.end(Buffer.from(auth.slice(6), 'base64').toString() + ' after ' + seen + ' requests');
  }
  res.writeHead(404, 'Not Found');
  res.end();
}).listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });
`;

async function withServer(body: (base: string) => void | Promise<void>, source = SERVER): Promise<void> {
  const server: ChildProcess = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [chunk] = (await once(server.stdout!, 'data')) as [Buffer];
    await body(`http://127.0.0.1:${chunk.toString().trim()}`);
  } finally {
    server.kill();
  }
}

function url(terms: string[], options: Record<string, unknown> = {}): unknown[] {
  return lookupPlugin('url').run(terms, options, contextFromVariables(() => undefined));
}

test('the url lookup gives the body split into lines, or whole with split_lines=False, following redirects', async () => {
  await withServer((base) => {
    assert.deepEqual(url([`${base}/text`]), ['one', 'two', '', 'four']);
    assert.deepEqual(url([`${base}/moved`], { split_lines: false }), ['one\ntwo\n\nfour\n']);
  });
});

test('the url lookup sends headers and http_agent, and credentials when asked or at once with force_basic_auth', async () => {
  await withServer((base) => {
    assert.deepEqual(url([`${base}/headers`], { headers: { 'X-Token': 'abc' }, http_agent: 'tester' }), ['abc tester']);
    assert.deepEqual(url([`${base}/auth`], { username: 'u', password: 'p' }), ['u:p after 3 requests']);
    assert.deepEqual(url([`${base}/auth`], { username: 'u', password: 'p', force_basic_auth: true }), ['u:p after 4 requests']);
  });
});

test("the url lookup fails with Ansible's message for an HTTP error and an unreachable server", async () => {
  await withServer((base) => {
    assert.throws(() => url([`${base}/nothing`]), { message: `Received HTTP error for ${base}/nothing : HTTP Error 404: Not Found` });
  });
  assert.throws(() => url(['http://127.0.0.1:1/x'], { timeout: 2 }), /^Error: Failed lookup url for http:\/\/127\.0\.0\.1:1\/x : Request failed: connect ECONNREFUSED/);
});

test('the url lookup checks an https server\'s certificate unless validate_certs=False', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'playtree-url-'));
  try {
    const [key, cert] = [join(folder, 'key.pem'), join(folder, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-days', '1'], { stdio: 'ignore' });
    const tlsServer = `
const fs = require('node:fs');
require('node:https').createServer({ key: fs.readFileSync(${JSON.stringify(key)}), cert: fs.readFileSync(${JSON.stringify(cert)}) }, (req, res) => res.end('secret\\n'))
  .listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });
`;
    await withServer((base) => {
      const secure = base.replace('http:', 'https:');
      assert.throws(() => url([secure]), /^Error: Error validating the server's certificate for https:\/\/127\.0\.0\.1:\d+: .*self-signed certificate/);
      assert.deepEqual(url([secure], { validate_certs: 'no' }), ['secret']);
    }, tlsServer);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

test('the url lookup works from the command line, where its worker thread is a file of the bundle', async () => {
  await withServer(async (base) => {
    const run = await runWithFiles(
      { 'play.yml': `- hosts: all\n  gather_facts: false\n  tasks:\n    - debug:\n        msg: "{{ lookup('url', '${base}/text', wantlist=True) | join('+') }}"\n` },
      ['-i', 'localhost,', '-c', 'local', 'play.yml'],
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /"msg": "one\+two\+\+four"/);
  });
});
