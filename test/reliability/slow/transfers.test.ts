/**
 * Slow reliability cases (`npm run test:slow`): a 1 GiB random file copied into a tree (twice, with diff on),
 * checksummed there and fetched back through the CLI, on a chroot tree and a persistent nspawn tree in one
 * run (-f 2). The bytes must come back bit-exact (sha256) and playtree's peak RSS, measured by GNU time, must
 * stay under 200 MB: every file is streamed and hashed on the way, never held whole.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { scratchWithTrees } from '../../support/cliOnTrees.js';
import { realTreeSkipReason } from '../../support/imageTree.js';
import { runCliMeasured, type MeasuredCliRun } from '../../support/runCli.js';

const run = promisify(execFile);
const skip = realTreeSkipReason();
const GIB = 1024 * 1024 * 1024;
const MAX_KB = 200 * 1024;
const HOSTS = ['chrooted', 'nspawned'] as const;

// With diff on, the copies also decide the diff (too large: src_larger); the second copy and stat hash the
// 1 GiB file on both sides again. Each must stream.
const PLAYBOOK = `- hosts: trees
  gather_facts: false
  diff: true
  tasks:
    - name: Copy the big file into the tree
      copy:
        src: "{{ big }}"
        dest: /srv/big.bin
        mode: "0600"
    - name: Copy it again (compared by checksum, unchanged)
      copy:
        src: "{{ big }}"
        dest: /srv/big.bin
        mode: "0600"
      register: again
    - name: Its sha256 in the tree
      stat:
        path: /srv/big.bin
        checksum_algorithm: sha256
      register: st
    - assert:
        that:
          - not again.changed
          - st.stat.checksum == sent
    - name: Fetch it back
      fetch:
        src: /srv/big.bin
        dest: "{{ fetched }}/{{ inventory_hostname }}.bin"
        flat: true
`;

async function sha256sum(path: string): Promise<string> {
  const { stdout } = await run('sha256sum', ['--', path]);
  return stdout.split(' ')[0]!;
}

describe('a 1 GiB file round trip through chroot and persistent nspawn', { skip }, () => {
  let scratch = '';
  let trees: string[] = [];
  let remove = async () => {};
  let sent = '';
  let measured: MeasuredCliRun;
  const big = () => join(scratch, 'big.bin');

  before(async () => {
    ({ scratch, trees, remove } = await scratchWithTrees(2));
    await run('sh', ['-c', 'head -c "$1" /dev/urandom > "$2"', 'sh', String(GIB), big()]);
    sent = await sha256sum(big());
    await writeFile(join(scratch, 'hosts.ini'), `[trees]\n${HOSTS[0]} ansible_host=${trees[0]} ansible_connection=chroot\n${HOSTS[1]} ansible_host=${trees[1]} ansible_connection=nspawn ansible_nspawn_persistent=true\n`);
    await writeFile(join(scratch, 'site.yml'), PLAYBOOK);
    await writeFile(join(scratch, 'ansible.cfg'), '');
    const extra = JSON.stringify({ big: big(), fetched: join(scratch, 'fetched'), sent });
    measured = await runCliMeasured(['-f', '2', '-i', 'hosts.ini', '-e', extra, 'site.yml'], {
      cwd: scratch,
      env: { ANSIBLE_CONFIG: join(scratch, 'ansible.cfg') },
      timeFile: join(scratch, 'time.txt'),
    });
  });
  after(async () => remove());

  test('the run copies, finds the copy unchanged the second time, checksums and fetches on both trees', () => {
    assert.equal(measured.code, 0, measured.stdout + measured.stderr);
    assert.match(measured.stdout, /chrooted +: ok=5 +changed=2 .*failed=0/);
    assert.match(measured.stdout, /nspawned +: ok=5 +changed=2 .*failed=0/);
  });

  for (const [index, host] of HOSTS.entries()) {
    test(`${host}: the file in the tree and the fetched file have the sent sha256`, async () => {
      const inTree = join(trees[index]!, 'srv/big.bin');
      assert.equal((await stat(inTree)).size, GIB);
      assert.equal(await sha256sum(inTree), sent, 'in the tree');
      assert.equal(await sha256sum(join(scratch, 'fetched', `${host}.bin`)), sent, 'fetched back');
    });
  }

  test("playtree's peak RSS stays under 200 MB while moving and hashing 1 GiB files", (t) => {
    t.diagnostic(`peak RSS ${measured.peakKb} KB`);
    assert.ok(measured.peakKb > 0, 'GNU time measured the run');
    assert.ok(measured.peakKb < MAX_KB, `peak RSS ${measured.peakKb} KB`);
  });
});
