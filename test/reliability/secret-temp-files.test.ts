/**
 * The secrets reliability suite, second part: the temporary files playtree writes content through, watched
 * while they hold it. Each write is held half-way (a stream that waits for the test, a FIFO, a validate
 * command that records what it sees) so that the file is looked at in a known state, never after a fixed
 * wait: it must be 0600 (its folder 0700) then, end with the mode it is meant to have, and be gone after
 * use, after a failure and after an interrupt.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Connection } from '../../connections/connection.js';
import { ChrootConnection } from '../../connections/chroot.js';
import { LocalConnection } from '../../connections/local.js';
import { PersistentNspawnConnection } from '../../connections/nspawn.js';
import { copyModule } from '../../modules/copy.js';
import { cronModule } from '../../modules/cron.js';
import { fetchModule } from '../../modules/fetch.js';
import { download } from '../../src/core/httpDownload.js';
import { lineinfileModule } from '../../modules/lineinfile.js';
import type { ModuleDefinition, Target } from '../../modules/module.js';
import { ConnectionTarget } from '../../src/engine/target.js';
import { currentUmask } from '../../src/core/umask.js';
import { copyTestTree, realTreeSkipReason } from '../support/imageTree.js';
import { treeOptions } from '../support/treeConnectionCases.js';
import { moduleContext, runModuleOn } from '../support/treeModuleRun.js';

const run = promisify(execFile);
const skip = realTreeSkipReason();
const BIN = fileURLToPath(new URL('../../../bin/playtree.js', import.meta.url));

/** A stream that sends `first`, then waits for `release()` before sending `rest` and ending. */
function gatedStream(first: string, rest: string): { stream: Readable; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let started = false;
  const stream = new Readable({
    read() {
      if (started) return;
      started = true;
      this.push(first);
      void gate.then(() => {
        this.push(rest);
        this.push(null);
      });
    },
  });
  return { stream, release };
}

/** Poll until `probe` finds something (a file appears): a condition, never a fixed wait (30 s at most). */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 3000; attempt++) {
    const found = await probe();
    if (found !== undefined) return found;
    await delay(10);
  }
  throw new Error(`${what} never appeared`);
}

/** The mode (octal text) of the first file in `folder` whose name matches, once it holds `size` bytes. */
function modeOnceFilled(folder: string, name: RegExp, size: number): Promise<string> {
  return waitFor(`a temporary file matching ${name} in ${folder}`, async () => {
    for (const entry of await readdir(folder).catch(() => [])) {
      if (!name.test(entry)) continue;
      const info = await stat(join(folder, entry)).catch(() => undefined);
      if (info && info.size >= size) return (info.mode & 0o7777).toString(8);
    }
    return undefined;
  });
}

const FIRST = 'secret first part\n';

describe('secret temporary files are 0600 while they hold content, and are removed', { skip }, () => {
  let tree: string;
  let scratch: string;
  let remove: () => Promise<void>;
  const connections: Array<[string, () => Connection]> = [
    ['chroot', () => new ChrootConnection(treeOptions(tree))],
    ['nspawn persistent', () => new PersistentNspawnConnection(treeOptions(tree))],
  ];

  before(async () => {
    ({ tree, scratch, remove } = await copyTestTree());
  });

  after(async () => {
    await remove?.();
  });

  for (const [name, connect] of connections) {
    test(`copy and lineinfile (${name}) write through a 0600 temporary file, then give it the mode it ends with`, async () => {
      const connection = connect();
      try {
        const at = (file: string) => `/etc/pt-${name.replace(' ', '-')}-${file}`;
        await writeFile(join(tree, at('existing')), 'old\n');
        await chmod(join(tree, at('existing')), 0o640);
        // validate runs on the temporary file once the content is in it: it records the file's mode there.
        const record = `sh -c 'stat -c %a "$1" >> /root/pt-temp-modes' sh %s`;
        const cases: Array<[ModuleDefinition, Record<string, unknown>, string, string]> = [
          [copyModule, { content: 'new, no mode\n', dest: at('new') }, at('new'), '644'],
          [copyModule, { content: 'new, 0755\n', dest: at('exec'), mode: '0755' }, at('exec'), '755'],
          [copyModule, { content: 'changed\n', dest: at('existing') }, at('existing'), '640'],
          [lineinfileModule, { path: at('line'), line: 'token=x', create: true }, at('line'), '644'],
          // A mode that shows less than 0600 is the file's from its creation: never more readable while it fills.
          [copyModule, { content: 'new, 0400\n', dest: at('readonly'), mode: '0400' }, at('readonly'), '400'],
        ];
        for (const [module, args, dest, finalMode] of cases) {
          const result = await runModuleOn(connection, module, { ...args, validate: record });
          assert.equal(result.changed, true, `${dest}: ${String(result.msg)}`);
          assert.equal(((await stat(join(tree, dest))).mode & 0o7777).toString(8), finalMode, dest);
        }
        assert.equal(await readFile(join(tree, 'root/pt-temp-modes'), 'utf8'), '600\n600\n600\n600\n400\n');
        assert.deepEqual((await readdir(join(tree, 'etc'))).filter((entry) => entry.includes('playtree')), []);
      } finally {
        await rm(join(tree, 'root/pt-temp-modes'), { force: true });
        await connection.close();
      }
    });

    test(`a transfer (${name}) fills a 0600 temporary file, then gives it a new file's mode or the old file's`, async () => {
      const connection = connect();
      try {
        const [fresh, old] = [`/etc/pt-put-${name.replace(' ', '-')}-new`, `/etc/pt-put-${name.replace(' ', '-')}-old`];
        await writeFile(join(tree, old), 'old\n');
        await chmod(join(tree, old), 0o640);
        for (const [dest, finalMode] of [[fresh, '644'], [old, '640']] as const) {
          const { stream, release } = gatedStream(FIRST, 'rest\n');
          const putting = connection.put(stream, dest);
          const during = await modeOnceFilled(join(tree, 'etc'), /^\.playtree-put-/, FIRST.length);
          release();
          await putting;
          assert.equal(during, '600', `${dest} while it is written`);
          assert.equal(await readFile(join(tree, dest), 'utf8'), `${FIRST}rest\n`);
          assert.equal(((await stat(join(tree, dest))).mode & 0o7777).toString(8), finalMode, dest);
        }
      } finally {
        await connection.close();
      }
    });
  }

  test('copy of a folder with mode 0600 never shows a copied file with a new file\'s 0644 while it sends the next', async () => {
    const source = join(scratch, 'keys');
    await mkdir(source);
    await writeFile(join(source, 'a-key'), `${FIRST}`);
    // The second file is a FIFO: its transfer waits for this test to write it, with the first one in place.
    await run('mkfifo', [join(source, 'b-key')]);
    const connection = new ChrootConnection(treeOptions(tree));
    const folder = join(tree, 'etc/pt-keys');
    const fifo = join(source, 'b-key');
    try {
      const copying = runModuleOn(connection, copyModule, { src: `${source}/`, dest: '/etc/pt-keys/', mode: '0600' });
      // a-key is complete: b-key's transfer has started and waits; the copy's own chmod comes after it.
      const first = await waitFor('a-key in place', async () => {
        const info = await stat(join(folder, 'a-key')).catch(() => undefined);
        return info && info.size === FIRST.length ? (info.mode & 0o7777).toString(8) : undefined;
      });
      await writeFile(fifo, 'second\n');
      const result = await copying;
      assert.equal(result.changed, true, String(result.msg));
      assert.equal(first, '600');
      assert.deepEqual(await Promise.all(['a-key', 'b-key'].map(async (name) => ((await stat(join(folder, name))).mode & 0o7777).toString(8))), ['600', '600']);
      assert.equal(await readFile(join(folder, 'b-key'), 'utf8'), 'second\n');
    } finally {
      // A failed assertion must not leave the transfer waiting on the FIFO: give its reader an end.
      await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).then((handle) => handle.close()).catch(() => undefined);
      await connection.close();
    }
  });

  test("cron's backup of the crontab it changes is 0600, as Ansible's mkstemp makes it", async () => {
    const connection = new ChrootConnection(treeOptions(tree));
    try {
      await writeFile(join(tree, 'etc/cron.d/pt-secret'), '#Ansible: old\n@daily root echo token\n');
      const args = { name: 'old', cron_file: 'pt-secret', user: 'root', special_time: 'daily', job: 'echo other', backup: true };
      const result = await runModuleOn(connection, cronModule, args);
      assert.equal(result.changed, true, String(result.msg));
      const backup = join(tree, String(result['backup_file']));
      assert.equal(await readFile(backup, 'utf8'), '#Ansible: old\n@daily root echo token\n');
      assert.equal(((await stat(backup)).mode & 0o7777).toString(8), '600');
      await rm(backup);
    } finally {
      await connection.close();
    }
  });

  test('a transfer through the local connection, and as a become user, fills a 0600 temporary file', async () => {
    const folder = join(scratch, 'local-put');
    await mkdir(folder);
    const connection = new LocalConnection({ host: 'localhost', vars: {}, config: {}, log: () => {} });
    // A stand-in for sudo that runs the command as it is: the become path's own commands are what is tested.
    const fakeSudo = join(scratch, 'fake-sudo');
    await writeFile(fakeSudo, '#!/bin/sh\nwhile [ $# -gt 0 ]; do case $1 in -u) shift 2 ;; -*) shift ;; *) break ;; esac; done\nexec "$@"\n', { mode: 0o755 });
    const targets: Array<[string, Target, RegExp]> = [
      ['local', new ConnectionTarget(connection), /^\.plain\.playtree-/],
      ['become', new ConnectionTarget(connection, { becomeUser: 'nobody', becomeExe: fakeSudo }), /^become\.playtree-tmp-/],
    ];
    for (const [label, target, temporary] of targets) {
      const dest = join(folder, label === 'local' ? 'plain' : 'become');
      const { stream, release } = gatedStream(FIRST, 'rest\n');
      const putting = target.put(stream, dest);
      const during = await modeOnceFilled(folder, temporary, FIRST.length);
      release();
      await putting;
      assert.equal(during, '600', label);
      assert.equal(((await stat(dest)).mode & 0o7777).toString(8), (0o666 & ~currentUmask()).toString(8), label);
    }
    assert.deepEqual((await readdir(folder)).sort(), ['become', 'plain']);
  });

  test('fetch writes the tree file into a 0600 temporary file on the controller', async () => {
    const connection = new ChrootConnection(treeOptions(tree));
    await writeFile(join(tree, 'root/pt-fetched'), `${FIRST}rest\n`);
    const folder = join(scratch, 'fetched');
    // The tree's bytes reach the controller file in two parts, the second only once its mode was seen.
    const { stream, release } = gatedStream(FIRST, 'rest\n');
    const target = new ConnectionTarget(connection);
    const gated: Target = {
      exec: (command, options) => target.exec(command, options),
      put: (source, path) => target.put(source, path),
      fetch: async (path, sink) => {
        await target.fetch(path, new Writable({ write: (_chunk, _encoding, done) => done() }));
        await pipeline(stream, sink);
      },
    };
    const fetching = fetchModule.run(moduleContext(gated, fetchModule, { src: '/root/pt-fetched', dest: `${folder}/`, flat: true }, { host: 'tree' }));
    const during = await modeOnceFilled(folder, /^\.pt-fetched\.playtree-/, FIRST.length);
    release();
    const result = await fetching;
    assert.equal(during, '600');
    assert.equal(result.changed, true, String(result.msg));
    assert.equal(((await stat(join(folder, 'pt-fetched'))).mode & 0o7777).toString(8), (0o666 & ~currentUmask()).toString(8));
    assert.deepEqual(await readdir(folder), ['pt-fetched']);
  });

  test("a download (get_url, uri, the url lookup) keeps the body 0600 in a 0700 folder of TMPDIR, removed after use or failure", async () => {
    const tmp = join(scratch, 'controller-tmp');
    await mkdir(tmp);
    const { stream, release } = gatedStream(FIRST, 'rest\n');
    const server = createServer((request, response) => {
      if (request.url === '/broken') {
        response.writeHead(200, { 'content-length': '1000' });
        response.write(FIRST, () => response.destroy());
        return;
      }
      void pipeline(stream, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const saved = process.env['TMPDIR'];
    process.env['TMPDIR'] = tmp;
    try {
      const downloading = download({ url: `${url}/secret`, timeout: 10, validateCerts: false });
      const folder = await waitFor('the download folder', async () => (await readdir(tmp)).find((name) => name.startsWith('playtree-get_url-')));
      const during = await modeOnceFilled(join(tmp, folder), /^body$/, FIRST.length);
      assert.equal(((await stat(join(tmp, folder))).mode & 0o7777).toString(8), '700');
      release();
      const response = await downloading;
      assert.equal(during, '600');
      await response.remove();
      assert.deepEqual(await readdir(tmp), []);
      await assert.rejects(download({ url: `${url}/broken`, timeout: 10, validateCerts: false }));
      assert.deepEqual(await readdir(tmp), []);
    } finally {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
      server.close();
    }
  });

  test('an interrupted download leaves nothing in the controller TMPDIR', async () => {
    const work = join(scratch, 'interrupted');
    const tmp = join(work, 'tmp');
    await mkdir(tmp, { recursive: true });
    // The server sends part of the body and never the rest: the run is interrupted while it waits.
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-length': '1000' });
      response.write(FIRST);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/secret`;
    await writeFile(join(work, 'site.yml'), `- hosts: localhost\n  gather_facts: false\n  tasks:\n    - get_url: url=${url} dest=${work}/downloaded\n      no_log: true\n`);
    await writeFile(join(work, 'ansible.cfg'), '');
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ANSIBLE_')));
    const child = spawn(process.execPath, [BIN, '-i', 'localhost,', '-c', 'local', 'site.yml'], {
      cwd: work,
      env: { ...clean, PLAYTREE_NO_LIVE: '1', ANSIBLE_CONFIG: join(work, 'ansible.cfg'), TMPDIR: tmp },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const folder = await waitFor('the download folder', async () => (await readdir(tmp)).find((name) => name.startsWith('playtree-get_url-')));
      await modeOnceFilled(join(tmp, folder), /^body$/, FIRST.length);
      child.kill('SIGINT');
      assert.equal(await exited, 99);
      assert.deepEqual(await readdir(tmp), []);
    } finally {
      child.kill('SIGKILL');
      server.closeAllConnections();
      server.close();
    }
  });

  test("the persistent nspawn container's control files (command scripts, FIFOs) are 0600 in a 0700 folder", async () => {
    const connection = new PersistentNspawnConnection(treeOptions(tree));
    try {
      // Run while this very command's script and FIFOs are there.
      const listed = await connection.exec("stat -c '%a %F %n' /run/playtree /run/playtree/*", { stdin: 'some input' });
      const rows = listed.stdout.toString().trim().split('\n');
      assert.equal(rows[0], '700 directory /run/playtree');
      assert.ok(rows.some((row) => row.endsWith('.sh')) && rows.some((row) => row.includes('fifo')), listed.stdout.toString());
      assert.deepEqual(rows.slice(1).filter((row) => !row.startsWith('600 ')), []);
    } finally {
      await connection.close();
    }
    assert.deepEqual(await readdir(join(tree, 'run')).then((names) => names.filter((name) => name === 'playtree')), []);
  });
});
