import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, lstat, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { realTreeSkipReason } from './support/imageTree.js';
import { TREE_FIXTURES, recap, runPlaytree, scratchWithTrees, type PlaytreeRun } from './support/cliOnTrees.js';

/** Copy and fetch through the CLI and the modules, on an nspawn tree and a chroot tree in one run (-f 2). */

const skip = realTreeSkipReason();

const BIG = 'big.bin';
const EMPTY = 'empty';
// `$HOME` would be expanded on the target, as Ansible expands path arguments; `$(x)` and `$9` are not variables.
const AWKWARD = `it's "quoted" $(x) $9 \`x\` ünïcødé ✓ [a]*.txt`;
const NAMES = [BIG, EMPTY, AWKWARD];
const HOSTS = ['nspawned', 'chrooted'] as const;

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** 50 MB of fresh random bytes, written in 1 MB pieces. */
async function writeRandomFile(path: string, megabytes: number): Promise<void> {
  let left = megabytes;
  const source = new Readable({
    read() {
      this.push(left-- > 0 ? randomBytes(1024 * 1024) : null);
    },
  });
  await pipeline(source, createWriteStream(path));
}

function inventory(trees: string[]): string {
  return `[trees]\nnspawned ansible_host=${trees[0]} ansible_connection=nspawn\nchrooted ansible_host=${trees[1]} ansible_connection=chroot\n`;
}

describe('copy and fetch round trips through playtree on nspawn and chroot trees', { skip }, () => {
  let scratch = '';
  let trees: string[] = [];
  let remove = async () => {};
  let first: PlaytreeRun;
  const upload = () => join(scratch, 'upload');
  const fetched = () => join(scratch, 'fetched');

  before(async () => {
    ({ scratch, trees, remove } = await scratchWithTrees(2));
    await mkdir(upload());
    await writeRandomFile(join(upload(), BIG), 50);
    await writeFile(join(upload(), EMPTY), '');
    await writeFile(join(upload(), AWKWARD), 'awkward name\n');
    await writeFile(join(scratch, 'hosts.ini'), inventory(trees));
    await writeFile(join(scratch, 'vars.json'), JSON.stringify({ upload_dir: upload(), fetch_dir: fetched(), names: NAMES }));
    first = await runPlaytree(scratch, ['-f', '2', '-i', 'hosts.ini', '-e', '@vars.json', join(TREE_FIXTURES, 'transfers.yml')]);
  });
  after(async () => remove());

  test('both trees are configured in one run with -f 2', () => {
    assert.equal(first.code, 0, first.stdout + first.stderr);
    for (const host of HOSTS) assert.deepEqual([recap(first.stdout, host)['ok'], recap(first.stdout, host)['failed']], [3, 0]);
  });

  for (const [index, host] of HOSTS.entries()) {
    test(`${host}: the 50 MB random file, the empty file and the awkward name keep their sha256 both ways`, async () => {
      for (const name of NAMES) {
        const sent = await sha256OfFile(join(upload(), name));
        assert.equal(await sha256OfFile(join(trees[index]!, 'srv/up', name)), sent, `${name} in the tree`);
        assert.equal(await sha256OfFile(join(fetched(), host, name)), sent, `${name} fetched back`);
      }
      assert.equal((await stat(join(trees[index]!, 'srv/up', BIG))).size, 50 * 1024 * 1024);
      assert.equal((await stat(join(fetched(), host, EMPTY))).size, 0);
    });

    test(`${host}: uploaded files get mode 0640, owner nobody and group daemon of the tree`, async () => {
      for (const name of NAMES) {
        const info = await lstat(join(trees[index]!, 'srv/up', name));
        assert.deepEqual([info.mode & 0o7777, info.uid, info.gid, info.isFile()], [0o640, 65534, 1, true], name);
      }
    });
  }

  test('a second run changes nothing on either tree', async () => {
    const again = await runPlaytree(scratch, ['-f', '2', '-i', 'hosts.ini', '-e', '@vars.json', join(TREE_FIXTURES, 'transfers.yml')]);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    for (const host of HOSTS) assert.equal(recap(again.stdout, host)['changed'], 0, again.stdout);
  });
});

describe('symlinks in a tree pointing at /etc/shadow never reach the controller', { skip }, () => {
  let scratch = '';
  let trees: string[] = [];
  let remove = async () => {};
  let run: PlaytreeRun;
  let hostShadowBefore = '';
  const MARKER = 'playtree-tree-marker:*:19000:0:99999:7:::\n';

  before(async () => {
    ({ scratch, trees, remove } = await scratchWithTrees(2));
    hostShadowBefore = await sha256OfFile('/etc/shadow');
    for (const tree of trees) {
      await appendFile(join(tree, 'etc/shadow'), MARKER);
      await symlink('/etc/shadow', join(tree, 'etc/leak'));
      await symlink('../../../../../../../../etc/shadow', join(tree, 'srv/escape'));
    }
    await writeFile(join(scratch, 'hosts.ini'), inventory(trees));
    run = await runPlaytree(scratch, ['-f', '2', '-i', 'hosts.ini', '-e', `fetch_dir=${join(scratch, 'fetched')}`, join(TREE_FIXTURES, 'symlinks.yml')]);
  });
  after(async () => remove());

  test('the run succeeds on both drivers', () => {
    assert.equal(run.code, 0, run.stdout + run.stderr);
  });

  for (const [index, host] of HOSTS.entries()) {
    test(`${host}: fetch through absolute and climbing symlinks returns the tree's /etc/shadow`, async () => {
      for (const name of ['leak', 'escape']) {
        const bytes = await readFile(join(scratch, 'fetched', host, name), 'utf8');
        assert.ok(bytes.endsWith(MARKER), `${name}: expected the tree's shadow (with the marker)`);
      }
    });

    test(`${host}: copy replaces a symlink with follow=no and writes the tree's own target with follow=yes`, async () => {
      const leak = await lstat(join(trees[index]!, 'etc/leak'));
      assert.ok(leak.isFile() && !leak.isSymbolicLink());
      assert.equal(await readFile(join(trees[index]!, 'etc/leak'), 'utf8'), 'replaced\n');
      assert.ok((await lstat(join(trees[index]!, 'srv/escape'))).isSymbolicLink());
      assert.equal(await readFile(join(trees[index]!, 'etc/shadow'), 'utf8'), 'followed\n');
    });
  }

  test("the controller's /etc/shadow is unchanged and was never fetched", async () => {
    assert.equal(await sha256OfFile('/etc/shadow'), hostShadowBefore);
    assert.ok(!(await readFile('/etc/shadow', 'utf8')).includes('playtree-tree-marker'));
  });
});
