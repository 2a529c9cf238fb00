import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { realTreeSkipReason } from './support/imageTree.js';
import { runPlaytree, scratchWithTrees } from './support/cliOnTrees.js';

const PLAYBOOK = fileURLToPath(new URL('../../playbooks/live-image.yml', import.meta.url));

/**
 * The README's live-image example end to end, on a private copy of the cached Debian tree (so the
 * mmdebstrap play reports ok; the module's real build is tested in modules-mmdebstrap.test.ts).
 */
test('the live-image playbook configures a tree through nspawn, and a second run changes nothing', { skip: realTreeSkipReason() }, async () => {
  const { scratch, trees, remove } = await scratchWithTrees(1);
  const tree = trees[0]!;
  try {
    const inventory = join(scratch, 'live.ini');
    await writeFile(inventory, `[builder]\nlocalhost ansible_connection=local\n[live]\n${tree} ansible_connection=nspawn\n[all:vars]\nlive_tree=${tree}\n`);
    const first = await runPlaytree(scratch, ['-i', inventory, PLAYBOOK]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, new RegExp(`${tree.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} +: ok=11 +changed=\\d+ +unreachable=0 +failed=0`));

    // Users live in the tree, not on the host.
    assert.match(readFileSync(join(tree, 'etc/passwd'), 'utf8'), /^live:x:\d+:\d+::\/home\/live:\/bin\/bash$/m);
    assert.match(readFileSync(join(tree, 'etc/group'), 'utf8'), /^sudo:x:\d+:live$/m);
    assert.doesNotMatch(readFileSync('/etc/passwd', 'utf8'), /^live:/m);
    // The SSH server is enabled for boot, and the install left no policy-rc.d behind.
    assert.equal(readlinkSync(join(tree, 'etc/systemd/system/multi-user.target.wants/ssh.service')), '/lib/systemd/system/ssh.service');
    assert.equal(existsSync(join(tree, 'usr/sbin/policy-rc.d')), false);
    assert.equal(readFileSync(join(tree, 'etc/hostname'), 'utf8'), 'debian-live\n');
    assert.match(readFileSync(join(tree, 'etc/hosts'), 'utf8'), /^127\.0\.1\.1\s+debian-live$/m);
    assert.match(readFileSync(join(tree, 'etc/motd'), 'utf8'), /^Welcome to debian-live, a Debian bookworm live system/);
    assert.match(readFileSync(join(tree, 'usr/lib/locale/locale-archive')).toString('latin1'), /en_US\.utf8/);

    const second = await runPlaytree(scratch, ['-i', inventory, PLAYBOOK]);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout, / : ok=11 +changed=0 +unreachable=0 +failed=0/);
    assert.match(second.stdout, /localhost +: ok=1 +changed=0 /);
  } finally {
    await remove();
  }
});
