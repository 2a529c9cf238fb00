import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChrootConnection, createChrootConnection } from '../connections/chroot.js';
import { connectionFactory } from '../connections/registry.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { describeTreeConnectionContract, treeOptions } from './support/treeConnectionCases.js';

const skip = realTreeSkipReason();

if (skip) {
  test(`chroot real-tree tests skipped: ${skip}`, { skip }, () => {});
} else {
  describeTreeConnectionContract('chroot', createChrootConnection);

  describe('chroot mounts nothing', () => {
    let tree = '';
    let remove = async () => {};
    before(async () => {
      ({ tree, remove } = await copyTestTree());
    });
    after(async () => remove());

    test('chroot /proc is the tree empty folder: no processes visible', async () => {
      const result = await new ChrootConnection(treeOptions(tree)).exec("ls -A /proc | wc -l");
      assert.equal(result.stdout.toString().trim(), '0');
    });

    test('chroot commands get a clean environment, not the controller one', async () => {
      process.env['PLAYTREE_SECRET_FOR_TEST'] = 'leak';
      try {
        const result = await new ChrootConnection(treeOptions(tree)).exec('echo "[$PLAYTREE_SECRET_FOR_TEST] $HOME"');
        assert.equal(result.stdout.toString(), '[] /root\n');
      } finally {
        delete process.env['PLAYTREE_SECRET_FOR_TEST'];
      }
    });
  });
}

describe('chroot registration', () => {
  test('chroot and community.general.chroot name the chroot driver', () => {
    for (const name of ['chroot', 'community.general.chroot']) {
      assert.equal(connectionFactory(name)(treeOptions('/var/tmp/x')).transport, 'chroot');
    }
  });
});
