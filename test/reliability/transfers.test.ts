/**
 * Transfers and output: awkward file names through the file modules, a transfer that fills a small tmpfs
 * midway, and commands printing 200 MB or invalid UTF-8. Modules run through real chroot and persistent
 * nspawn connections on tree copies; the output cases run the CLI under GNU time (peak RSS, never time).
 * The 1 GiB round trip is in slow/transfers.test.ts (`npm run test:slow`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Connection } from '../../connections/connection.js';
import { ChrootConnection } from '../../connections/chroot.js';
import { PersistentNspawnConnection } from '../../connections/nspawn.js';
import { commandModule } from '../../modules/command.js';
import { copyModule } from '../../modules/copy.js';
import { fetchModule } from '../../modules/fetch.js';
import { fileModule } from '../../modules/file.js';
import { slurpModule } from '../../modules/slurp.js';
import { statModule } from '../../modules/stat.js';
import { templateModule } from '../../modules/template.js';
import { keptStream } from '../../modules/commandResult.js';
import { OutputKeeper } from '../../connections/outputKeeper.js';
import { jsonPieces } from '../../src/output/jsonWriter.js';
import { scratchWithTrees } from '../support/cliOnTrees.js';
import { realTreeSkipReason } from '../support/imageTree.js';
import { runCliMeasured } from '../support/runCli.js';
import { treeOptions } from '../support/treeConnectionCases.js';
import { runModuleOn } from '../support/treeModuleRun.js';

const run = promisify(execFile);
const skip = realTreeSkipReason();
const NAMES = ['with space.txt', 'ünïcødé ✓.txt', 'new\nline.txt', '-leading-dash.txt', '--'];
const CONNECTIONS: Array<[string, (tree: string) => Connection]> = [
  ['chroot', (tree) => new ChrootConnection(treeOptions(tree))],
  ['nspawn persistent', (tree) => new PersistentNspawnConnection(treeOptions(tree))],
];

const sha1 = (bytes: Buffer | string) => createHash('sha1').update(bytes).digest('hex');

let scratch = '';
let trees: string[] = [];
let removeTrees = async () => {};

before(async () => {
  if (skip) return;
  ({ scratch, trees, remove: removeTrees } = await scratchWithTrees(2));
});
after(async () => removeTrees());

for (const [index, [label, create]] of CONNECTIONS.entries()) {
  describe(`awkward file names through ${label}`, { skip }, () => {
    let connection: Connection;
    let ctl = '';
    const tree = () => trees[index]!;
    before(async () => {
      ctl = join(scratch, `names-${index}`);
      await mkdir(join(ctl, 'src'), { recursive: true });
      for (const name of NAMES) {
        await writeFile(join(ctl, 'src', name), `bytes of ${name}\n`);
        await writeFile(join(ctl, 'src', `${name}.j2`), `templated {{ 1 + 1 }} ${name}\n`);
      }
      await mkdir(join(tree(), 'srv/content'), { recursive: true });
      connection = create(tree());
      await connection.open();
    });
    after(async () => connection?.close());

    test(`${label}: slurp reads a 3 MiB file whole while command keeps the last 1 MiB of the same bytes`, async () => {
      const bytes = randomBytes(3 * 1024 * 1024);
      await writeFile(join(tree(), 'srv/three.bin'), bytes);
      const slurped = await runModuleOn(connection, slurpModule, { src: '/srv/three.bin' });
      assert.ok(Buffer.from(String(slurped['content']), 'base64').equals(bytes), 'slurp returns every byte');
      const hex = bytes.toString('hex');
      await writeFile(join(tree(), 'srv/three.hex'), hex);
      const catted = await runModuleOn(connection, commandModule, { _raw_params: 'cat /srv/three.hex' });
      assert.equal(catted['stdout_truncated'], true);
      assert.equal(catted.stdout, hex.slice(-1024 * 1024));
    });

    for (const name of NAMES) {
      test(`${label}: ${JSON.stringify(name)} goes through copy, template, stat, fetch and file`, async () => {
        const src = join(ctl, 'src', name);
        const copied = await runModuleOn(connection, copyModule, { src, dest: '/srv/names/', mode: '0640' });
        assert.equal(copied.failed, undefined, JSON.stringify(copied));
        assert.equal(await readFile(join(tree(), 'srv/names', name), 'utf8'), `bytes of ${name}\n`);
        const again = await runModuleOn(connection, copyModule, { src, dest: '/srv/names/', mode: '0640' });
        assert.equal(again.changed, false, JSON.stringify(again));

        assert.equal((await runModuleOn(connection, copyModule, { content: 'content\n', dest: `/srv/content/${name}` })).changed, true);
        assert.equal(await readFile(join(tree(), 'srv/content', name), 'utf8'), 'content\n');

        const templated = await runModuleOn(connection, templateModule, { src: `${src}.j2`, dest: `/srv/names/${name}.out` });
        assert.equal(templated.changed, true, JSON.stringify(templated));
        assert.ok((await readFile(join(tree(), 'srv/names', `${name}.out`), 'utf8')).endsWith(` ${name}\n`));

        const stated = await runModuleOn(connection, statModule, { path: `/srv/names/${name}` });
        const info = stated['stat'] as Record<string, unknown>;
        assert.deepEqual([info['exists'], info['checksum'], info['mode'], info['path']], [true, sha1(`bytes of ${name}\n`), '0640', `/srv/names/${name}`]);

        const fetched = await runModuleOn(connection, fetchModule, { src: `/srv/names/${name}`, dest: join(ctl, 'fetched') + '/', flat: true });
        assert.equal(fetched.changed, true, JSON.stringify(fetched));
        assert.equal(await readFile(join(ctl, 'fetched', name), 'utf8'), `bytes of ${name}\n`);

        const touched = await runModuleOn(connection, fileModule, { path: `/srv/touched/${name}`, state: 'directory', mode: '0700' });
        assert.equal(touched.changed, true, JSON.stringify(touched));
        assert.equal((await stat(join(tree(), 'srv/touched', name))).mode & 0o7777, 0o700);
        const removed = await runModuleOn(connection, fileModule, { path: `/srv/names/${name}`, state: 'absent' });
        assert.equal(removed.changed, true, JSON.stringify(removed));
        assert.ok(!(await readdir(join(tree(), 'srv/names'))).includes(name), 'removed');
        assert.ok((await readdir(join(tree(), 'srv/names'))).includes(`${name}.out`), 'only that one name removed');
      });
    }
  });
}

/** Everything in `folder`, sorted: a partial file or a temporary name left behind shows up here. */
async function listing(folder: string): Promise<string[]> {
  return (await readdir(folder)).sort();
}

for (const [index, [label, create]] of CONNECTIONS.entries()) {
  describe(`a transfer that fills a 1 MiB tmpfs midway through ${label}`, { skip }, () => {
    let connection: Connection;
    let small = '';
    let localSmall = '';
    let big = '';
    const OLD = 'old content\n';
    before(async () => {
      small = join(trees[index]!, 'mnt/small');
      localSmall = join(scratch, `small-${index}`);
      big = join(scratch, `big-${index}.bin`);
      await writeFile(big, randomBytes(2 * 1024 * 1024));
      await writeFile(join(trees[index]!, 'srv/big.bin'), randomBytes(2 * 1024 * 1024));
      for (const folder of [small, localSmall]) {
        await mkdir(folder, { recursive: true });
        await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'playtree-test', folder]);
        await writeFile(join(folder, 'old.txt'), OLD);
      }
      // Opened after the mount: the container sees the tree's mounts as they are when it starts.
      connection = create(trees[index]!);
      await connection.open();
    });
    after(async () => {
      await connection?.close();
      for (const folder of [small, localSmall]) if (folder) await run('umount', [folder]).catch(() => undefined);
    });

    test(`${label}: copy over an old file fails on the full disk and keeps the old content, no temporary left`, async () => {
      const result = await runModuleOn(connection, copyModule, { src: big, dest: '/mnt/small/old.txt' });
      assert.equal(result.failed, true, JSON.stringify(result));
      assert.match(String(result.msg), /could not write \/mnt\/small\/old\.txt: .*No space left on device/);
      assert.deepEqual(await listing(small), ['old.txt']);
      assert.equal(await readFile(join(small, 'old.txt'), 'utf8'), OLD);
    });

    test(`${label}: copy to a new name fails on the full disk and leaves no partial file`, async () => {
      const result = await runModuleOn(connection, copyModule, { src: big, dest: '/mnt/small/new.bin' });
      assert.equal(result.failed, true, JSON.stringify(result));
      assert.match(String(result.msg), /No space left on device/);
      assert.deepEqual(await listing(small), ['old.txt']);
    });

    test(`${label}: a put (folder copies, scripts) fails on the full disk and leaves no partial file`, async () => {
      await assert.rejects(connection.put(createReadStream(big), '/mnt/small/put.bin'), /could not copy .* to \/mnt\/small\/put\.bin .*No space left on device/);
      assert.deepEqual(await listing(small), ['old.txt']);
    });

    test(`${label}: fetch into a full controller folder fails and keeps the old local file, no temporary left`, async () => {
      const result = await runModuleOn(connection, fetchModule, { src: '/srv/big.bin', dest: join(localSmall, 'old.txt'), flat: true });
      assert.equal(result.failed, true, JSON.stringify(result));
      assert.match(String(result.msg), /fetch: could not copy \/srv\/big\.bin to .*old\.txt: .*(ENOSPC|no space left)/i);
      assert.deepEqual(await listing(localSmall), ['old.txt']);
      assert.equal(await readFile(join(localSmall, 'old.txt'), 'utf8'), OLD);
    });
  });
}

test('an output keeper holds exactly the last bytes across chunks and counts the rest', () => {
  const keeper = new OutputKeeper(10);
  for (const piece of ['abcdefgh', 'ijklmnop', 'qrs', 'tuvwxyz0123']) keeper.add(Buffer.from(piece));
  assert.deepEqual([keeper.bytes().toString(), keeper.dropped], ['uvwxyz0123', 20]);
  const whole = new OutputKeeper();
  whole.add(Buffer.alloc(5000, 'a'));
  assert.deepEqual([whole.bytes().length, whole.dropped], [5000, 0]);
});

test('a cut stream starts at a whole character and counts the skipped bytes as dropped', () => {
  // "é" is two bytes: keeping the last 3 of "aéé" cuts the first é in half.
  const cut = keptStream(Buffer.from('aéé'), 0, 3);
  assert.deepEqual([cut.text, cut.kept, cut.dropped], ['é', 2, 3]);
  assert.deepEqual(keptStream(Buffer.from('x\xffy', 'latin1')), { text: 'x\ufffdy', kept: 3, dropped: 0 });
});

test('the --json document written in pieces is the text of JSON.stringify with indent 4, byte for byte', () => {
  const replacer = (_key: string, value: unknown) => (Buffer.isBuffer(value) ? value.toString() : value);
  const odd = { a: [1, 'x', null, undefined, () => 1, { c: [], d: {} }], e: undefined, f: new Date(0), g: Buffer.from('hi'), h: 'ü\u2028"\n', i: NaN, k: [[]] };
  const lines = { stdout_lines: Array.from({ length: 100_000 }, (_, i) => `line ${i}`), stdout: 'x'.repeat(300_000) };
  for (const value of [odd, lines, [], {}, 'text', 5, null, [undefined]]) {
    const pieces = [...jsonPieces(value, replacer)];
    assert.equal(pieces.join(''), JSON.stringify(value, replacer, 4));
  }
  assert.ok([...jsonPieces(lines)].length > 20, 'the 100,000 lines come in many pieces');
});

const OUTPUT_PLAYBOOK = `- hosts: all
  gather_facts: false
  tasks:
    - name: 200 MB on stdout
      shell: "head -c 200000000 /dev/zero | tr '\\\\0' x; echo; echo the last line"
      register: big
    - name: 200 MB of one-character lines
      shell: "yes | head -c 200000000"
      register: lines
      tags: lines
    - name: Invalid UTF-8 on stdout and stderr
      shell: "printf 'a\\\\377b\\\\n'; printf 'e\\\\376rr\\\\n' >&2"
      register: bad
    - debug:
        msg: "{{ big.stdout_truncated }} {{ big.stdout | length }} {{ big.stdout_lines[-1] }}"
    - debug:
        var: bad
`;

describe('commands printing 200 MB or invalid UTF-8 through local, chroot and nspawn', { skip }, () => {
  const MAX_KB = 300 * 1024;
  let work = '';
  const runPlay = (extra: string[]) =>
    runCliMeasured([...extra, '-i', 'hosts.ini', 'site.yml'], { cwd: work, env: { ANSIBLE_CONFIG: join(work, 'ansible.cfg') }, timeFile: join(work, 'time.txt') });
  before(async () => {
    work = join(scratch, 'output');
    await mkdir(work);
    const hosts = `local ansible_connection=local\nchrooted ansible_host=${trees[0]} ansible_connection=chroot\nnspawned ansible_host=${trees[1]} ansible_connection=nspawn\n`;
    await writeFile(join(work, 'hosts.ini'), hosts);
    await writeFile(join(work, 'site.yml'), OUTPUT_PLAYBOOK);
    await writeFile(join(work, 'ansible.cfg'), '');
  });

  test('text output: the 200 MB are cut to the last 1 MiB with a warning, invalid bytes print as U+FFFD, peak RSS < 300 MB', async (t) => {
    // The one-character lines matter for the --json document; the text run leaves them out to stay short.
    const result = await runPlay(['--skip-tags', 'lines']);
    t.diagnostic(`peak RSS ${result.peakKb} KB`);
    assert.equal(result.code, 0, result.stdout.slice(-3000) + result.stderr);
    for (const host of ['local', 'chrooted', 'nspawned']) {
      assert.ok(result.stdout.includes(`ok: [${host}] => {\n    "msg": "True 1048575 the last line"\n}`), `${host}:\n${result.stdout.slice(-3000)}`);
    }
    assert.equal(result.stdout.split('"stdout": "a\\ufffdb"').length - 1, 3, result.stdout.slice(-3000));
    assert.equal(result.stdout.split('"stderr": "e\\ufffdrr"').length - 1, 3);
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('[WARNING]: stdout was cut: its first 198951439 bytes were dropped'));
    // Shown once for the three hosts: identical warnings are printed once, as Ansible does.
    assert.equal(warnings.length, 1, result.stderr);
    assert.ok(result.peakKb > 0 && result.peakKb < MAX_KB, `peak RSS ${result.peakKb} KB`);
  });

  test('--json output: stdout_truncated, the kept end and U+FFFD in the document, peak RSS < 300 MB', async (t) => {
    const result = await runPlay(['--json']);
    t.diagnostic(`peak RSS ${result.peakKb} KB`);
    assert.equal(result.code, 0, result.stderr);
    const document = JSON.parse(result.stdout) as { plays: Array<{ tasks: Array<{ hosts: Record<string, Record<string, unknown>> }> }> };
    const [bigTask, linesTask, badTask] = document.plays[0]!.tasks;
    for (const host of ['local', 'chrooted', 'nspawned']) {
      const big = bigTask!.hosts[host]!;
      assert.equal(big['stdout_truncated'], true, host);
      assert.equal(big['stderr_truncated'], undefined, host);
      assert.ok(String(big['stdout']).endsWith('x\nthe last line'), host);
      assert.ok(Buffer.byteLength(String(big['stdout'])) <= 1024 * 1024, host);
      assert.match(String((big['warnings'] as string[])[0]), /^stdout was cut: its first \d+ bytes were dropped, only its last \d+ bytes are kept/);
      // 1 MiB of "y\n": the --json document is written in pieces, not built whole (these lines cost most).
      assert.equal((linesTask!.hosts[host]!['stdout_lines'] as string[]).length, 512 * 1024, host);
      assert.deepEqual([badTask!.hosts[host]!['stdout'], badTask!.hosts[host]!['stderr']], ['a\uFFFDb', 'e\uFFFDrr'], host);
    }
    assert.ok(result.peakKb > 0 && result.peakKb < MAX_KB, `peak RSS ${result.peakKb} KB`);
  });
});

after(async () => {
  if (scratch) await rm(join(scratch, 'output'), { recursive: true, force: true });
});
