import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Connection } from '../connections/connection.js';
import { createNspawnConnection } from '../connections/nspawn.js';
import { blockinfileModule } from '../modules/blockinfile.js';
import { getUrlModule } from '../modules/get_url.js';
import { unarchiveModule } from '../modules/unarchive.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { treeOptions } from './support/treeConnectionCases.js';
import { runModuleOn } from './support/treeModuleRun.js';
import { runPlaytree } from './support/cliOnTrees.js';

const run = promisify(execFile);
const skip = realTreeSkipReason();
const BODY = 'downloaded into the tree\n';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

if (skip) {
  test(`blockinfile/replace/unarchive/get_url real-tree tests skipped: ${skip}`, { skip }, () => {});
} else {
  describe('file modules on a real Debian tree through nspawn', () => {
    let tree = '';
    let scratch = '';
    let remove = async () => {};
    let connection: Connection;
    let server: Server;
    let base = '';
    before(async () => {
      ({ tree, scratch, remove } = await copyTestTree());
      connection = createNspawnConnection(treeOptions(tree));
      await connection.open();
      server = createServer((req, res) => (req.url === '/f.txt' ? res.end(BODY) : res.writeHead(404).end()));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const source = join(scratch, 'payload');
      await mkdir(join(source, 'bin'), { recursive: true });
      await writeFile(join(source, 'bin', 'tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
      await run('tar', ['-cJf', join(scratch, 'payload.tar.xz'), '-C', source, '.']);
    });
    after(async () => {
      await connection.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await remove();
    });

    test('unarchive puts a controller tar.xz into the tree (not the host), then reports changed=false', async () => {
      const args = { src: join(scratch, 'payload.tar.xz'), dest: '/opt' };
      const first = await runModuleOn(connection, unarchiveModule, args);
      assert.equal(first.changed, true, String(first.msg));
      assert.equal(await readFile(join(tree, 'opt/bin/tool'), 'utf8'), '#!/bin/sh\necho tool\n');
      assert.equal(existsSync('/opt/bin/tool'), false);
      const again = await runModuleOn(connection, unarchiveModule, args);
      assert.equal(again.changed, false);
    });

    test('get_url downloads on the controller into the tree with a right checksum; a wrong one writes nothing', async () => {
      const good = await runModuleOn(connection, getUrlModule, { url: `${base}/f.txt`, dest: '/root/f.txt', checksum: `sha256:${sha256(BODY)}` });
      assert.equal(good.changed, true, String(good.msg));
      assert.equal(await readFile(join(tree, 'root/f.txt'), 'utf8'), BODY);
      const bad = await runModuleOn(connection, getUrlModule, { url: `${base}/f.txt`, dest: '/root/g.txt', checksum: `sha256:${sha256('x')}` });
      assert.equal(bad.failed, true);
      assert.match(String(bad.msg), /^The checksum for \/root\/g\.txt did not match/);
      assert.equal(existsSync(join(tree, 'root/g.txt')), false);
    });

    test('blockinfile edits a file of the tree and keeps its owner and mode', async () => {
      const result = await runModuleOn(connection, blockinfileModule, { path: '/etc/issue', block: 'built by playtree' });
      assert.equal(result.msg, 'Block inserted');
      assert.match(await readFile(join(tree, 'etc/issue'), 'utf8'), /# BEGIN ANSIBLE MANAGED BLOCK\nbuilt by playtree\n# END ANSIBLE MANAGED BLOCK\n$/);
    });

    test('a playbook through the CLI runs get_url, unarchive, blockinfile and replace, and the second run changes nothing', async () => {
      await connection.close(); // the CLI opens its own container on the tree, which our open one would lock out
      const work = join(scratch, 'work');
      await mkdir(work, { recursive: true });
      await writeFile(join(work, 'inventory'), `${tree} ansible_connection=nspawn\n`);
      await writeFile(
        join(work, 'site.yml'),
        [
          '- hosts: all',
          '  gather_facts: false',
          '  tasks:',
          `    - get_url: { url: "${base}/f.txt", dest: /srv/, checksum: "sha256:${sha256(BODY)}", mode: "0600" }`,
          `    - unarchive: { src: "${join(scratch, 'payload.tar.xz')}", dest: /usr/local }`,
          '    - blockinfile: { path: /etc/motd, create: true, block: "welcome" }',
          '    - replace: { path: /etc/issue.net, regexp: "^Debian", replace: "Playtree Debian" }',
          '',
        ].join('\n'),
      );
      const first = await runPlaytree(work, ['-i', 'inventory', 'site.yml']);
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.match(first.stdout, /changed=4 /);
      assert.match(await readFile(join(tree, 'etc/motd'), 'utf8'), /^welcome$/m);
      assert.match(await readFile(join(tree, 'etc/issue.net'), 'utf8'), /^Playtree Debian/);
      assert.equal(await readFile(join(tree, 'srv/f.txt'), 'utf8'), BODY);
      const second = await runPlaytree(work, ['-i', 'inventory', 'site.yml']);
      assert.equal(second.code, 0, second.stdout + second.stderr);
      assert.match(second.stdout, /changed=0 /);
    });
  });
}
