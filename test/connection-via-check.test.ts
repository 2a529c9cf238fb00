import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTreeCheck, type TreeCheckOutput } from '../connections/viaTreeCheck.js';

/* What the build host's tree check prints (viaScripts.ts CHECK_SCRIPT), read on the controller. */

const rows: Array<[string, string, Omit<TreeCheckOutput, 'found'>, Array<[string, string]>]> = [
  ['a good tree: its DEV:INO and canonical path', 'found chroot /usr/sbin/chroot\nok 2049:131\n/var/tmp/live\n', { verdict: 'ok', detail: '2049:131', canonical: '/var/tmp/live' }, [['chroot', '/usr/sbin/chroot']]],
  ['a canonical path with spaces and a newline in it', 'ok 66:7\n/srv/my tree\nsecond line\n', { verdict: 'ok', detail: '66:7', canonical: '/srv/my tree\nsecond line' }, []],
  ['a program path with a space', 'found nspawn /opt/my bin/nspawn\nmissing chroot\n', { verdict: 'missing', detail: 'chroot' }, [['nspawn', '/opt/my bin/nspawn']]],
  ['not root', 'notroot 1000\n', { verdict: 'notroot', detail: '1000' }, []],
  ['ok cut short before the path (readlink failed)', 'ok 66:7\n', { verdict: '', detail: '' }, []],
  ['ok with no DEV:INO (stat failed)', 'ok \n/srv/t\n', { verdict: '', detail: '' }, []],
  ['no answer at all', '', { verdict: '', detail: '' }, []],
];

for (const [label, stdout, expected, found] of rows) {
  test(`build host tree check: ${label}`, () => {
    assert.deepEqual(parseTreeCheck(stdout), { ...expected, found: new Map(found) });
  });
}
