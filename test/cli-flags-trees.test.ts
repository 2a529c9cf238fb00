import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { realTreeSkipReason } from './support/imageTree.js';
import { debugMessages, runPlaytree, scratchWithTrees } from './support/cliOnTrees.js';

/**
 * become and the connection user from the command line, inside a real Debian tree (a copy of the test
 * tree: minbase, so no sudo, but util-linux's su and runuser).
 */

const skip = realTreeSkipReason();

/** A play printing `label: <id -un inside the tree>`; `header` adds play keywords. */
const whoami = (label: string, header = '') =>
  `- hosts: all\n  gather_facts: false\n${header}  tasks:\n    - command: id -un\n      register: r\n    - debug: { msg: "${label}: {{ r.stdout }}" }\n`;

describe('command-line become and users inside a tree', { skip }, () => {
  let scratch = '';
  let tree = '';
  let remove = async () => {};
  before(async () => {
    const made = await scratchWithTrees(1);
    ({ scratch, remove } = made);
    tree = made.trees[0]!;
  });
  after(async () => remove());

  test('-b --become-user nobody runs the command as nobody inside a chroot tree, with the tree\'s su or runuser (no sudo there)', async () => {
    await writeFile(join(scratch, 'hosts.ini'), `${tree} ansible_connection=chroot\n`);
    await writeFile(join(scratch, 'play.yml'), whoami('default') + whoami('runuser', '  become_method: runuser\n'));
    const run = await runPlaytree(scratch, ['-i', 'hosts.ini', '-b', '--become-user', 'nobody', '--become-method', 'su', 'play.yml']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(debugMessages(run.stdout), ['default: nobody', 'runuser: nobody']);
  });

  test('-u runs nspawn commands as that user of the tree; a play\'s remote_user wins over -u', async () => {
    await writeFile(join(scratch, 'hosts.ini'), `${tree} ansible_connection=nspawn\n`);
    await writeFile(join(scratch, 'play.yml'), whoami('-u') + whoami('remote_user', '  remote_user: daemon\n'));
    const run = await runPlaytree(scratch, ['-i', 'hosts.ini', '-u', 'nobody', 'play.yml']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(debugMessages(run.stdout), ['-u: nobody', 'remote_user: daemon']);
  });

  test('-c chroot reaches the tree of a host that names no connection', async () => {
    await writeFile(join(scratch, 'hosts.ini'), `${tree}\n`);
    await writeFile(join(tree, 'etc/flags-marker'), 'inside the tree\n');
    await writeFile(
      join(scratch, 'play.yml'),
      '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: cat /etc/flags-marker\n      register: r\n    - debug: { msg: "{{ r.stdout }}" }\n',
    );
    const run = await runPlaytree(scratch, ['-i', 'hosts.ini', '-c', 'chroot', 'play.yml']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(debugMessages(run.stdout), ['inside the tree']);
  });
});
