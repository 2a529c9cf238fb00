import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCliOptions, USAGE } from '../src/cli/options.js';
import { accessSettings, loadAnsibleConfig } from '../src/core/ansibleConfig.js';
import { UsageError } from '../src/core/errors.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The habitual ansible-playbook flags of issue 15: parsing, --help, ansible.cfg. Runs are in cli-flags-runs. */

const parse = (...flags: string[]) => parseCliOptions([...flags, 'play.yml']);

const rows: Array<[string, string[], Record<string, unknown>]> = [
  ['-b', ['-b'], { become: true }],
  ['--become', ['--become'], { become: true }],
  ['--become-user', ['--become-user', 'nobody'], { becomeUser: 'nobody' }],
  ['--become-method', ['--become-method', 'su'], { becomeMethod: 'su' }],
  ['-K', ['-K'], { askBecomePass: true }],
  ['--ask-become-pass', ['--ask-become-pass'], { askBecomePass: true }],
  ['-u', ['-u', 'builder'], { remoteUser: 'builder' }],
  ['--user', ['--user=builder'], { remoteUser: 'builder' }],
  ['--private-key', ['--private-key', '/k/id'], { privateKey: '/k/id' }],
  ['--key-file', ['--key-file', '/k/id'], { privateKey: '/k/id' }],
  ['-k', ['-k'], { askPass: true }],
  ['--ask-pass', ['--ask-pass'], { askPass: true }],
  ['-T', ['-T', '30'], { timeout: 30 }],
  ['--timeout', ['--timeout=5'], { timeout: 5 }],
  ['--step', ['--step'], { step: true }],
  ['--flush-cache', ['--flush-cache'], { flushCache: true }],
  ['-c', ['-c', 'chroot'], { connection: 'chroot' }],
  ['-M', ['-M', 'a:b', '-M', 'c'], { modulePath: ['a', 'b', 'c'] }],
  ['short flags together', ['-bK'], { become: true, askBecomePass: true }],
];

for (const [name, flags, expected] of rows) {
  test(`${name} is parsed as ansible-playbook reads it`, () => {
    const options = parse(...flags);
    for (const [key, value] of Object.entries(expected)) assert.deepEqual(options[key as keyof typeof options], value, key);
  });
}

test('without the flags nothing is asked and nothing is become', () => {
  const options = parse();
  assert.equal(options.become, false);
  assert.equal(options.askBecomePass, false);
  assert.equal(options.step, false);
  assert.equal(options.remoteUser, undefined);
  assert.equal(options.timeout, undefined);
});

test('-T takes whole seconds only, as argparse int does: other text is a usage error (exit 2)', () => {
  for (const bad of ['1.5', 'ten', '']) {
    assert.throws(() => parse('-T', bad), (error: unknown) => error instanceof UsageError && /-T\/--timeout: invalid int value/.test(error.message));
  }
});

test('--help groups Connection Options and Privilege Escalation Options as ansible-playbook --help does', () => {
  const connection = USAGE.indexOf('\nConnection Options:\n');
  const privilege = USAGE.indexOf('\nPrivilege Escalation Options:\n');
  assert.ok(connection > 0 && privilege > connection);
  for (const flag of ['-c, --connection', '-u, --user', '--private-key', '-T, --timeout', '-k, --ask-pass']) {
    const at = USAGE.indexOf(`  ${flag}`);
    assert.ok(at > connection && at < privilege, flag);
  }
  for (const flag of ['-b, --become', '--become-method', '--become-user', '-K, --ask-become-pass']) assert.ok(USAGE.indexOf(`  ${flag}`) > privilege, flag);
  for (const flag of ['--step', '--flush-cache']) assert.ok(USAGE.indexOf(`  ${flag}`) < connection, flag);
});

test('ansible.cfg remote_user, private_key_file, timeout and [privilege_escalation] are read; ANSIBLE_* variables win', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'playtree-flags-'));
  try {
    await writeFile(
      join(dir, 'ansible.cfg'),
      '[defaults]\nremote_user = cfguser\nprivate_key_file = /cfg/key\ntimeout = 9\n[privilege_escalation]\nbecome = True\nbecome_user = games\nbecome_method = su\nbecome_ask_pass = false\n',
    );
    const config = loadAnsibleConfig({}, dir);
    assert.deepEqual(accessSettings(config, {}), {
      remoteUser: 'cfguser',
      privateKeyFile: '/cfg/key',
      timeout: 9,
      become: true,
      becomeUser: 'games',
      becomeMethod: 'su',
      becomeAskPass: false,
    });
    const fromEnv = accessSettings(config, { ANSIBLE_REMOTE_USER: 'envuser', ANSIBLE_BECOME: 'no', ANSIBLE_TIMEOUT: '4' });
    assert.equal(fromEnv.remoteUser, 'envuser');
    assert.equal(fromEnv.become, false);
    assert.equal(fromEnv.timeout, 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
