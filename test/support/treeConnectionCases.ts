import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Connection, ConnectionOptions } from '../../connections/connection.js';
import { ConnectionError } from '../../src/core/errors.js';
import { copyTestTree } from './imageTree.js';

export type DriverFactory = (options: ConnectionOptions) => Connection;

export function treeOptions(tree: string, vars: Record<string, unknown> = {}): ConnectionOptions {
  return { host: tree, vars, config: {}, log: () => {} };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A Writable that hashes what it receives (fetching 1 GiB must not need 1 GiB of memory). */
export function hashingSink(): { sink: Writable; digest: () => string; size: () => number } {
  const hash = createHash('sha256');
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done();
    },
  });
  return { sink, digest: () => hash.digest('hex'), size: () => size };
}

/** `total` bytes of a repeated random block, generated as they are read, hashed on the way. */
function generatedStream(total: number): { stream: Readable; digest: () => string } {
  const block = randomBytes(1024 * 1024);
  const hash = createHash('sha256');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const piece = block.subarray(0, Math.min(block.length, total - sent));
      sent += piece.length;
      hash.update(piece);
      this.push(piece);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

/** 1 MiB of random bytes, then 'disk read error'. */
export function failingStream(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent++ < 4) this.push(randomBytes(256 * 1024));
      else this.destroy(new Error('disk read error'));
    },
  });
}

async function fetchBytes(connection: Connection, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await connection.fetch(path, sink);
  return Buffer.concat(chunks);
}

const NASTY_NAMES = ['with space', `quote'and"double`, 'dollar$HOME`x`', 'ünïcødé-ファイル', 'new\nline', '-leading-dash', '--'];

/**
 * The behaviour both image-tree drivers promise, run against a private copy of the real Debian test tree.
 * `name` is the driver's test label.
 */
export function describeTreeConnectionContract(name: string, create: DriverFactory): void {
  describe(`${name} connection contract on a real tree`, () => {
    let tree = '';
    let remove = async () => {};
    let connection: Connection;

    before(async () => {
      ({ tree, remove } = await copyTestTree());
      connection = create(treeOptions(tree));
      await connection.open();
    });
    after(async () => {
      await connection?.close();
      await remove();
    });

    test(`${name} exec returns the command's exact exit code, stdout and stderr`, async () => {
      const result = await connection.exec("printf 'out\\0put'; printf 'err' >&2; exit 42");
      assert.equal(result.rc, 42);
      assert.deepEqual(result.stdout, Buffer.from('out\0put'));
      assert.deepEqual(result.stderr, Buffer.from('err'));
    });

    test(`${name} exec runs in / with a PATH that finds the tree's programs`, async () => {
      const result = await connection.exec('pwd; command -v ls');
      assert.equal(result.stdout.toString(), '/\n/usr/bin/ls\n');
    });

    test(`${name} exec sees the tree's os-release, not the controller's files`, async () => {
      await writeFile(join(tree, 'etc/playtree-marker'), 'inside the tree\n');
      const result = await connection.exec('cat /etc/playtree-marker; . /etc/os-release; echo "$VERSION_CODENAME"');
      assert.equal(result.stdout.toString(), 'inside the tree\nbookworm\n');
    });

    test(`${name} exec forwards binary stdin with a NUL in the middle byte for byte`, async () => {
      const input = Buffer.concat([randomBytes(1000), Buffer.from([0]), randomBytes(1000)]);
      const result = await connection.exec('sha256sum | cut -d" " -f1', { stdin: input });
      assert.equal(result.stdout.toString().trim(), sha256(input));
    });

    test(`${name} exec forwards a 20 MB stdin stream completely`, async () => {
      const { stream, digest } = generatedStream(20 * 1024 * 1024);
      const result = await connection.exec('tee /root/stdin.bin | wc -c', { stdin: stream });
      assert.equal(result.stdout.toString().trim(), String(20 * 1024 * 1024));
      assert.equal(await sha256OfFile(join(tree, 'root/stdin.bin')), digest());
    });

    test(`${name} exec without stdin gives the command an empty stdin (cat returns at once)`, async () => {
      const result = await connection.exec('cat; echo done');
      assert.equal(result.stdout.toString(), 'done\n');
    });

    test(`${name} exec whose stdin stream fails midway stops the command before it sees the end of its input`, async () => {
      await assert.rejects(connection.exec('cat > /root/partial.bin && touch /root/complete', { stdin: failingStream() }), (error: Error) => {
        assert.ok(error instanceof ConnectionError);
        assert.match(error.message, /could not send stdin .*: disk read error$/);
        return true;
      });
      assert.equal(existsSync(join(tree, 'root/complete')), false);
    });

    test(`${name} exec returns soon after its shell exits, even while a background job it started holds stdout`, async () => {
      const started = Date.now();
      const result = await connection.exec('echo before; sleep 1000 & echo $! > /root/job.pid; echo after');
      assert.equal(result.stdout.toString(), 'before\nafter\n');
      assert.ok(Date.now() - started < 10_000, `exec took ${Date.now() - started} ms`);
      await connection.exec('kill "$(cat /root/job.pid)" 2>/dev/null; rm /root/job.pid');
    });

    test(`${name} exec as ansible_user runs commands as that user of the tree`, async () => {
      const asNobody = create(treeOptions(tree, { ansible_user: 'nobody' }));
      const result = await asNobody.exec('id -un; pwd');
      assert.equal(result.stdout.toString(), 'nobody\n/\n');
    });

    test(`${name} put then fetch round-trips 50 MB of random bytes with equal sha256`, async () => {
      const data = randomBytes(50 * 1024 * 1024);
      await connection.put(Readable.from([data]), '/root/random.bin');
      assert.equal(await sha256OfFile(join(tree, 'root/random.bin')), sha256(data));
      const { sink, digest } = hashingSink();
      await connection.fetch('/root/random.bin', sink);
      assert.equal(digest(), sha256(data));
    });

    test(`${name} put and fetch stream 1 GiB without holding it in memory`, async () => {
      const size = 1024 * 1024 * 1024;
      const { stream, digest } = generatedStream(size);
      await connection.put(stream, '/root/big.bin');
      const fetched = hashingSink();
      await connection.fetch('/root/big.bin', fetched.sink);
      assert.equal(fetched.size(), size);
      assert.equal(fetched.digest(), digest());
      await connection.exec('rm /root/big.bin');
    });

    test(`${name} put and fetch an empty file`, async () => {
      await connection.put(Readable.from([]), '/root/empty');
      assert.equal((await stat(join(tree, 'root/empty'))).size, 0);
      assert.equal((await fetchBytes(connection, '/root/empty')).length, 0);
    });

    for (const fileName of NASTY_NAMES) {
      test(`${name} put and fetch a file named ${JSON.stringify(fileName)}`, async () => {
        const content = Buffer.from(`content of ${fileName}\n`);
        await connection.put(Readable.from([content]), `/root/${fileName}`);
        assert.deepEqual(await readFile(join(tree, 'root', fileName)), content);
        assert.deepEqual(await fetchBytes(connection, `/root/${fileName}`), content);
      });
    }

    test(`${name} put resolves a relative path against / in the tree`, async () => {
      await connection.put(Readable.from([Buffer.from('relative\n')]), 'root/relative.txt');
      assert.equal(await readFile(join(tree, 'root/relative.txt'), 'utf8'), 'relative\n');
      assert.equal((await fetchBytes(connection, 'root/relative.txt')).toString(), 'relative\n');
    });

    test(`${name} put over an existing file keeps its mode`, async () => {
      await writeFile(join(tree, 'root/script.sh'), 'old\n');
      await chmod(join(tree, 'root/script.sh'), 0o750);
      await connection.put(Readable.from([Buffer.from('new\n')]), '/root/script.sh');
      const info = await stat(join(tree, 'root/script.sh'));
      assert.equal(info.mode & 0o777, 0o750);
      assert.equal(await readFile(join(tree, 'root/script.sh'), 'utf8'), 'new\n');
    });

    test(`${name} fetch through a symlink to /etc/shadow returns the tree's shadow, not the controller's`, async () => {
      await symlink('/etc/shadow', join(tree, 'etc/evil-read'));
      const fetched = await fetchBytes(connection, '/etc/evil-read');
      assert.deepEqual(fetched, await readFile(join(tree, 'etc/shadow')));
    });

    test(`${name} put to a symlink to /etc/shadow writes inside the tree and leaves the controller's shadow alone`, async () => {
      const hostShadow = await sha256OfFile('/etc/shadow');
      const treeShadow = await sha256OfFile(join(tree, 'etc/shadow'));
      await symlink('/etc/shadow', join(tree, 'etc/evil'));
      await connection.put(Readable.from([Buffer.from('owned\n')]), '/etc/evil');
      assert.equal(await sha256OfFile('/etc/shadow'), hostShadow);
      assert.equal(await sha256OfFile(join(tree, 'etc/shadow')), treeShadow);
      assert.equal(await readFile(join(tree, 'etc/evil'), 'utf8'), 'owned\n');
      assert.equal((await lstat(join(tree, 'etc/evil'))).isFile(), true);
    });

    test(`${name} put into a missing folder fails naming both paths and leaves nothing behind`, async () => {
      const source = createReadStream(join(tree, 'etc/hostname'));
      await assert.rejects(connection.put(source, '/no/such/folder/file'), (error: Error) => {
        assert.ok(error instanceof ConnectionError);
        assert.match(error.message, /could not copy .*etc\/hostname to \/no\/such\/folder\/file/);
        return true;
      });
    });

    test(`${name} put whose source fails midway leaves neither the destination nor a temporary file`, async () => {
      await mkdir(join(tree, 'srv/partial'), { recursive: true });
      await assert.rejects(connection.put(failingStream(), '/srv/partial/file'), /could not copy the given stream to \/srv\/partial\/file.*disk read error/);
      assert.deepEqual(await readdir(join(tree, 'srv/partial')), []);
    });

    test(`${name} fetch of a missing file is a ConnectionError naming it`, async () => {
      const target = join(tree, '..', 'fetched-missing');
      await assert.rejects(connection.fetch('/no/such/file', createWriteStream(target)), (error: Error) => {
        assert.ok(error instanceof ConnectionError);
        assert.match(error.message, /could not fetch \/no\/such\/file to .*fetched-missing.*No such file/);
        return true;
      });
    });
  });

  describe(`${name} preconditions checked by open()`, () => {
    let scratch = '';
    let tree = '';
    let remove = async () => {};
    before(async () => {
      ({ tree, scratch, remove } = await copyTestTree());
    });
    after(async () => remove());

    const cases: Array<[string, () => Promise<ConnectionOptions>, RegExp]> = [
      ['a missing tree', async () => treeOptions(join(scratch, 'absent')), /absent does not exist; build it first/],
      [
        'a file instead of a folder',
        async () => {
          await writeFile(join(scratch, 'plain-file'), '');
          return treeOptions(join(scratch, 'plain-file'));
        },
        /plain-file is not a folder/,
      ],
      [
        'a folder without os-release',
        async () => {
          await mkdir(join(scratch, 'not-an-os'), { recursive: true });
          return treeOptions(join(scratch, 'not-an-os'));
        },
        /not-an-os is not an OS tree \(neither etc\/os-release nor usr\/lib\/os-release/,
      ],
      [
        'an ansible_executable missing from the tree',
        async () => treeOptions(tree, { ansible_executable: '/bin/no-such-shell' }),
        /ansible_executable \/bin\/no-such-shell is not an executable file inside/,
      ],
    ];
    for (const [label, options, message] of cases) {
      test(`${name} open() refuses ${label} with a one-line ConnectionError`, async () => {
        const connection = create(await options());
        await assert.rejects(connection.open(), (error: Error) => {
          assert.ok(error instanceof ConnectionError);
          assert.match(error.message, message);
          assert.equal(error.message.includes('\n'), false);
          return true;
        });
      });
    }

    test(`${name} open() accepts ansible_host as the tree and a shell reached through symlinks inside it`, async () => {
      // /bin -> usr/bin and /usr/bin/sh -> dash: both resolved inside the tree.
      const connection = create({ host: 'some-inventory-name', vars: { ansible_host: tree, ansible_executable: '/bin/sh' }, config: {}, log: () => {} });
      await connection.open();
      assert.equal((await connection.exec('echo ok')).stdout.toString(), 'ok\n');
    });
  });
}
