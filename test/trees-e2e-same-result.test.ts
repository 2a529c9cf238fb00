import assert from 'node:assert/strict';
import { lstat, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { realTreeSkipReason } from './support/imageTree.js';
import { TREE_FIXTURES, debugMessages, recap, runPlaytree, scratchWithTrees, type PlaytreeRun } from './support/cliOnTrees.js';

/** The same playbook through nspawn and through chroot, on two copies of one tree in one run (-f 2). */

const skip = realTreeSkipReason();

/** The files test/fixtures/trees/same-result.yml creates or changes. */
const MANAGED = [
  'srv/playtree',
  'srv/playtree/content.txt',
  'srv/playtree/templated.txt',
  'srv/playtree/shell.txt',
  'etc/bash.bashrc',
  'etc/passwd',
  'etc/group',
  'home/builder',
  'home/builder/owned.txt',
];

/** What a file is, as far as a playbook decides it: type, mode, owners and bytes. */
async function describeFile(tree: string, path: string): Promise<string> {
  const info = await lstat(join(tree, path));
  const kind = info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';
  const content = info.isFile() ? (await readFile(join(tree, path))).toString('base64') : '';
  return `${kind} ${(info.mode & 0o7777).toString(8)} ${info.uid}:${info.gid} ${content}`;
}

describe('nspawn and chroot give the same files for the same playbook', { skip }, () => {
  let scratch = '';
  let trees: string[] = [];
  let remove = async () => {};
  let run: PlaytreeRun;
  before(async () => {
    ({ scratch, trees, remove } = await scratchWithTrees(2));
    await writeFile(
      join(scratch, 'hosts.ini'),
      `[trees]\nnspawned ansible_host=${trees[0]} ansible_connection=nspawn\nchrooted ansible_host=${trees[1]} ansible_connection=chroot\n`,
    );
    run = await runPlaytree(scratch, ['-f', '2', '-i', 'hosts.ini', join(TREE_FIXTURES, 'same-result.yml')]);
  });
  after(async () => remove());

  test('both hosts run every task in one run with -f 2', () => {
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const host of ['nspawned', 'chrooted']) assert.deepEqual([recap(run.stdout, host)['ok'], recap(run.stdout, host)['changed']], [9, 7], host);
  });

  test('every managed file has the same type, mode, owners and bytes in both trees', async () => {
    for (const path of MANAGED) {
      assert.equal(await describeFile(trees[1]!, path), await describeFile(trees[0]!, path), path);
    }
    // And they are what the playbook asked for, not merely equal.
    assert.match(await describeFile(trees[0]!, 'srv/playtree'), /^dir 750 1:1 $/);
    assert.match(await describeFile(trees[0]!, 'home/builder/owned.txt'), new RegExp(`^file 600 4242:0 ${Buffer.from('owned\n').toString('base64')}$`));
    assert.equal(await readFile(join(trees[0]!, 'srv/playtree/shell.txt'), 'utf8'), 'root\n/\n');
    assert.equal(await readFile(join(trees[0]!, 'srv/playtree/templated.txt'), 'utf8'), 'TEMPLATED 1,2,3\n');
  });

  test('/proc shows processes inside nspawn and nothing inside chroot (the tree holds an empty /proc)', () => {
    const messages = debugMessages(run.stdout);
    const count = (host: string) => Number(/ processes (\d+)$/.exec(messages.find((m) => m.startsWith(`${host} `)) ?? '')?.[1]);
    assert.ok(count('nspawned') > 0, messages.join('\n'));
    assert.equal(count('chrooted'), 0, messages.join('\n'));
  });

  test('a second run through either driver changes nothing', async () => {
    const again = await runPlaytree(scratch, ['-f', '2', '-i', 'hosts.ini', join(TREE_FIXTURES, 'same-result.yml')]);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    // The shell task always reports changed, as in Ansible; everything else is idempotent.
    for (const host of ['nspawned', 'chrooted']) assert.equal(recap(again.stdout, host)['changed'], 1, again.stdout);
  });
});
