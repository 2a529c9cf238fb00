import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { link, lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Connection } from '../../connections/connection.js';
import { ChrootConnection } from '../../connections/chroot.js';
import { NspawnConnection, PersistentNspawnConnection } from '../../connections/nspawn.js';
import { blockinfileModule } from '../../modules/blockinfile.js';
import { copyModule } from '../../modules/copy.js';
import { fetchModule } from '../../modules/fetch.js';
import { fileModule } from '../../modules/file.js';
import { getUrlModule } from '../../modules/get_url.js';
import { lineinfileModule } from '../../modules/lineinfile.js';
import type { ModuleDefinition } from '../../modules/module.js';
import { replaceModule } from '../../modules/replace.js';
import { slurpModule } from '../../modules/slurp.js';
import { statModule } from '../../modules/stat.js';
import { templateModule } from '../../modules/template.js';
import { unarchiveModule } from '../../modules/unarchive.js';
import { copyTestTree, realTreeSkipReason } from '../support/imageTree.js';
import { treeOptions } from '../support/treeConnectionCases.js';
import { runModuleOn } from '../support/treeModuleRun.js';

/*
 * Hostile trees: symlinks and hard links inside the tree that point at a sentinel folder on the HOST
 * (`SCRATCH/host`, beside the tree), and a tar whose members climb out with `../` or are absolute. Every
 * file module runs on those paths through chroot and persistent nspawn; the host sentinel must keep its
 * names, bytes, modes and mtimes, and reading modules must show the tree's own view of the path (the tree
 * holds its own file at the sentinel's path), never the host's bytes.
 */

const run = promisify(execFile);
const skip = realTreeSkipReason();
const HOST_SECRET = 'HOST SECRET never leaves the host\n';
const HOST_TARGET = 'host target must stay as it is\n';
const TREE_VIEW = 'the tree own file at the same path\n';

interface HostileCase {
  name: string;
  module: ModuleDefinition;
  args: (env: Env) => Record<string, unknown>;
  /** A reading module: its result must not carry the host's bytes. */
  reads?: boolean;
  todo?: string;
}

interface Env {
  scratch: string;
  /** Controller folder for module sources (templates, fetched files): outside both the tree and the sentinel. */
  ctl: string;
  url: string;
}

/** Names, bytes, modes and mtimes (not link counts: replacing a hard-linked tree file drops one) of the sentinel folder, to compare before and after. */
async function snapshot(folder: string): Promise<string> {
  const rows: string[] = [];
  for (const name of (await readdir(folder)).sort()) {
    const info = await lstat(join(folder, name));
    const bytes = info.isFile() ? createHash('sha256').update(await readFile(join(folder, name))).digest('hex') : '';
    rows.push(`${name} ${info.mode.toString(8)} ${info.mtimeMs} ${bytes}`);
  }
  return rows.join('\n');
}

/** (Re)make the hostile links in the tree; a module may have replaced one in an earlier case. */
async function plantLinks(tree: string, host: string): Promise<void> {
  const climb = '../'.repeat(12);
  const links: Array<[string, string]> = [
    ['etc/evil', join(host, 'secret')],
    ['etc/evil2', `${climb}${host.slice(1)}/secret`],
    ['etc/evilw', join(host, 'target')],
    ['etc/evilw2', `${climb}${host.slice(1)}/target`],
    ['etc/evildir', host],
  ];
  for (const [inTree, to] of links) {
    await rm(join(tree, inTree), { force: true });
    await symlink(to, join(tree, inTree));
  }
  await rm(join(tree, 'etc/hardlinked'), { force: true });
  await link(join(host, 'hard'), join(tree, 'etc/hardlinked'));
  // The tree's own file at the sentinel's path: what the tree's view of /etc/evil must show.
  await mkdir(join(tree, host.slice(1)), { recursive: true });
  await writeFile(join(tree, host.slice(1), 'secret'), TREE_VIEW);
  await rm(join(tree, host.slice(1), 'target'), { force: true });
}

/** A tar whose members are `../…/SCRATCH/host/dropped-rel` and `/SCRATCH/host/dropped-abs`. */
async function hostileTar(scratch: string): Promise<string> {
  const source = join(scratch, 'tarsrc');
  await mkdir(source, { recursive: true });
  await writeFile(join(source, 'rel'), 'climbed out\n');
  await writeFile(join(source, 'abs'), 'absolute member\n');
  const archive = join(scratch, 'ctl', 'hostile.tar');
  const relName = `${'../'.repeat(12)}${scratch.slice(1)}/host/dropped-rel`;
  const absName = `${scratch}/host/dropped-abs`;
  await run('tar', ['-cPf', archive, '-C', source, `--transform=s,^rel$,${relName},`, `--transform=s,^abs$,${absName},`, 'rel', 'abs']);
  const { stdout } = await run('tar', ['-tPf', archive]);
  assert.deepEqual(stdout.trim().split('\n'), [relName, absName], 'the hostile tar keeps its escaping names');
  return archive;
}

const WRITE_PATHS = ['/etc/evilw', '/etc/evilw2', '/etc/hardlinked'];
// The last goes through a folder link (read by the controller where it can: its walk must stay in the tree too).
const READ_PATHS = ['/etc/evil', '/etc/evil2', '/etc/evildir/secret'];

function cases(): HostileCase[] {
  const list: HostileCase[] = [];
  for (const path of WRITE_PATHS) {
    list.push(
      { name: `copy content to ${path}`, module: copyModule, args: () => ({ content: 'written\n', dest: path }) },
      { name: `template to ${path}`, module: templateModule, args: (e) => ({ src: join(e.ctl, 't.j2'), dest: path }) },
      { name: `lineinfile create on ${path}`, module: lineinfileModule, args: () => ({ path, line: 'added', create: true }) },
      { name: `blockinfile create on ${path}`, module: blockinfileModule, args: () => ({ path, block: 'added', create: true }) },
      { name: `replace on ${path}`, module: replaceModule, args: () => ({ path, regexp: 'host', replace: 'HACKED' }) },
      { name: `get_url to ${path}`, module: getUrlModule, args: (e) => ({ url: `${e.url}/f.txt`, dest: path }) },
    );
    // A hard link IS a file of the tree: touching or chmod-ing it changes the shared inode by nature.
    if (path !== '/etc/hardlinked') {
      list.push(
        { name: `file touch on ${path}`, module: fileModule, args: () => ({ path, state: 'touch' }) },
        { name: `file mode on ${path}`, module: fileModule, args: () => ({ path, mode: '0666' }) },
      );
    }
  }
  list.push(
    { name: 'file absent on /etc/evildir/target', module: fileModule, args: () => ({ path: '/etc/evildir/target', state: 'absent' }) },
    { name: 'copy into the folder link /etc/evildir/', module: copyModule, args: () => ({ content: 'x\n', dest: '/etc/evildir/new' }) },
  );
  for (const path of READ_PATHS) {
    list.push(
      { name: `stat of ${path}`, module: statModule, args: () => ({ path, follow: true, get_checksum: true }), reads: true },
      { name: `slurp of ${path}`, module: slurpModule, args: () => ({ src: path }), reads: true },
      { name: `fetch of ${path}`, module: fetchModule, args: (e) => ({ src: path, dest: join(e.ctl, 'fetched') + '/', flat: true }), reads: true },
      { name: `replace reading ${path}`, module: replaceModule, args: () => ({ path, regexp: 'HOST', replace: 'X' }), reads: true },
    );
  }
  list.push(
    { name: 'unarchive of a tar with ../ and absolute members', module: unarchiveModule, args: (e) => ({ src: join(e.ctl, 'hostile.tar'), dest: '/root' }) },
    // Even when asked to keep those names, tar runs in the tree: `..` stops at the tree's root.
    { name: 'unarchive with --absolute-names', module: unarchiveModule, args: (e) => ({ src: join(e.ctl, 'hostile.tar'), dest: '/root', extra_opts: ['--absolute-names'] }) },
  );
  return list;
}

/** Everything a result could leak the host's secret through: the text, base64 and checksums. */
function leaks(result: unknown, fetched: string | undefined): string[] {
  const text = JSON.stringify(result);
  const forms = [HOST_SECRET.trim(), Buffer.from(HOST_SECRET).toString('base64'),
    createHash('sha1').update(HOST_SECRET).digest('hex'), createHash('md5').update(HOST_SECRET).digest('hex')];
  const found = forms.filter((form) => text.includes(form));
  if (fetched?.includes('HOST SECRET')) found.push('fetched bytes');
  return found;
}

/** Each driver, and which cases it runs: the per-command mode (a container per command) runs a lean subset. */
const ALL = () => true;
const CONNECTIONS: Array<[string, (tree: string) => Connection, (name: string) => boolean]> = [
  ['chroot', (tree) => new ChrootConnection(treeOptions(tree)), ALL],
  ['nspawn persistent', (tree) => new PersistentNspawnConnection(treeOptions(tree)), ALL],
  ['nspawn per-command', (tree) => new NspawnConnection(treeOptions(tree, { ansible_nspawn_persistent: 'false' })),
    (name) => /^(copy content to \/etc\/evilw|lineinfile create on \/etc\/evilw2|slurp of|fetch of \/etc\/evil$)/.test(name)],
];

if (skip) {
  test(`hostile tree tests skipped: ${skip}`, { skip }, () => {});
} else {
  for (const [label, create, wanted] of CONNECTIONS) {
    describe(`hostile tree paths through ${label} never touch the host`, () => {
      let tree = '';
      let scratch = '';
      let host = '';
      let remove = async () => {};
      let connection: Connection;
      let server: Server;
      let env: Env;
      before(async () => {
        ({ tree, scratch, remove } = await copyTestTree());
        host = join(scratch, 'host');
        await mkdir(host);
        await writeFile(join(host, 'secret'), HOST_SECRET, { mode: 0o600 });
        await writeFile(join(host, 'target'), HOST_TARGET, { mode: 0o644 });
        await writeFile(join(host, 'hard'), 'host hard link, host content\n', { mode: 0o644 });
        const ctl = join(scratch, 'ctl');
        await mkdir(ctl);
        await writeFile(join(ctl, 't.j2'), 'templated\n');
        await hostileTar(scratch);
        server = createServer((req, res) => (req.url === '/f.txt' ? res.end('downloaded\n') : res.writeHead(404).end()));
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        env = { scratch, ctl, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
        connection = create(tree);
        await connection.open();
      });
      after(async () => {
        await connection?.close();
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        await remove();
      });

      for (const hostile of cases().filter((one) => wanted(one.name))) {
        test(`${label}: ${hostile.name} leaves the host sentinel as it was`, hostile.todo ? { todo: hostile.todo } : {}, async () => {
          await plantLinks(tree, host);
          const scratchBefore = (await readdir(scratch)).sort();
          const before = await snapshot(host);
          await rm(join(env.ctl, 'fetched'), { recursive: true, force: true });
          const result = await runModuleOn(connection, hostile.module, hostile.args(env));
          assert.equal(await snapshot(host), before, `host sentinel changed: ${JSON.stringify(result)}`);
          assert.deepEqual((await readdir(scratch)).sort(), scratchBefore, 'a new file appeared beside the tree');
          if (hostile.reads) {
            const fetched = await readFile(join(env.ctl, 'fetched', hostile.args(env)['src'] === '/etc/evil' ? 'evil' : 'evil2'), 'utf8').catch(() => undefined);
            assert.deepEqual(leaks(result, fetched), [], `the host's secret leaked: ${JSON.stringify(result)}`);
          }
        });
      }

      test(`${label}: the sentinel check sees a write made from the host side through a tree symlink`, async () => {
        // What a host-side write under the tree folder would do: proves the links really reach the host.
        await plantLinks(tree, host);
        const before = await snapshot(host);
        await writeFile(join(tree, 'etc/evilw'), 'written from the host side\n');
        assert.notEqual(await snapshot(host), before);
        await writeFile(join(host, 'target'), HOST_TARGET);
      });

      test(`${label}: slurp of an escaping symlink shows the tree's own file, not the host's`, async () => {
        await plantLinks(tree, host);
        for (const src of READ_PATHS) {
          const result = await runModuleOn(connection, slurpModule, { src });
          assert.equal(Buffer.from(String(result['content']), 'base64').toString(), TREE_VIEW, src);
        }
      });

      test(`${label}: unarchive keeps ../ and absolute tar members inside the tree`, async () => {
        await plantLinks(tree, host);
        await rm(join(tree, 'root', host.slice(1).split('/')[0]!), { recursive: true, force: true });
        await rm(join(tree, host.slice(1), 'dropped-abs'), { force: true });
        await rm(join(tree, host.slice(1), 'dropped-rel'), { force: true });
        const result = await runModuleOn(connection, unarchiveModule, { src: join(env.ctl, 'hostile.tar'), dest: '/root' });
        assert.deepEqual((await readdir(host)).sort(), ['hard', 'secret', 'target']);
        // tar in the tree refuses the `../` member and strips the leading `/`: the absolute one lands in dest.
        assert.equal(result.failed, true);
        assert.match(JSON.stringify(result), /Member name contains '\.\.'/);
        assert.equal(await readFile(join(tree, 'root', host.slice(1), 'dropped-abs'), 'utf8'), 'absolute member\n');
      });

      if (label === 'nspawn persistent') {
        test(`${label}: a command that swaps the container's control files for host links cannot reach the host (run last: it poisons the container)`, async () => {
          await plantLinks(tree, host);
          const before = await snapshot(host);
          // Every control file name the next commands may use becomes an absolute link to a host path:
          // opened through /proc/LEADER/root, such a link would resolve on the host.
          const plant = [
            'cd /run/playtree || exit 1',
            `for f in i* o*.out o*.err; do [ -p "$f" ] && rm -f "$f" && ln -s "$1/target" "$f"; done`,
            `for n in $(seq 1 400); do ln -s "$1/target" "$n.sh" 2>/dev/null; ln -s "$1/secret" "o$n.out" 2>/dev/null; ln -s "$1/target" "i$n" 2>/dev/null; done; exit 0`,
          ].join('\n');
          await connection.exec(`sh -c '${plant}' plant ${host}`).catch(() => undefined);
          const outputs: string[] = [];
          for (let i = 0; i < 4; i++) {
            const result = await connection.exec('cat', { stdin: 'stdin bytes from playtree\n' }).catch((error: Error) => ({ stdout: Buffer.from(error.message) }));
            outputs.push(result.stdout.toString());
          }
          assert.equal(await snapshot(host), before, 'a host file changed');
          assert.ok(!outputs.join('').includes('HOST SECRET'), `host bytes came back: ${outputs.join(' | ')}`);
          assert.match(outputs[0]!, /replaced inside the container .*does not follow it/);
        });
      }
    });
  }
}
