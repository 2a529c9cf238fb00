import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnectionOptions } from '../connections/connection.js';
import { buildNspawnArgv, resolveNspawnSettings } from '../connections/nspawnArgv.js';
import { systemBusReachable } from '../connections/nspawnChecks.js';
import { checkRunningAsRoot, findProgram } from '../connections/treeChecks.js';
import { lockId, parseProcLocks } from '../connections/treeLock.js';
import { ConnectionError } from '../src/core/errors.js';

function options(vars: Record<string, unknown> = {}, config: ConnectionOptions['config'] = {}): ConnectionOptions {
  return { host: '/var/tmp/live', vars, config, log: () => {} };
}

const PAYLOAD = ['/bin/sh', '-c', 'true'];
const BASE = ['systemd-nspawn', '--directory=/var/tmp/live', '--quiet', '--pipe', '--chdir=/', '--timezone=off', '--as-pid2'];
const NO_BUS = ['--register=no', '--keep-unit'];

describe('nspawn argv from vars, environment and ansible.cfg', () => {
  const rows: Array<{ name: string; vars?: Record<string, unknown>; env?: NodeJS.ProcessEnv; config?: ConnectionOptions['config']; bus: boolean; argv: string[] }> = [
    { name: 'inventory name is the tree; no bus adds --register=no --keep-unit', bus: false, argv: [...BASE, ...NO_BUS, '--', ...PAYLOAD] },
    { name: 'a reachable system bus adds nothing', bus: true, argv: [...BASE, '--', ...PAYLOAD] },
    {
      name: 'ansible_host wins over the inventory name',
      vars: { ansible_host: '/srv/image' },
      bus: true,
      argv: ['systemd-nspawn', '--directory=/srv/image', '--quiet', '--pipe', '--chdir=/', '--timezone=off', '--as-pid2', '--', ...PAYLOAD],
    },
    {
      name: 'ansible_nspawn_args are split as a shell would',
      vars: { ansible_nspawn_args: `--bind=/srv/cache:/var/cache/apt "--setenv=GREETING=hello world" --bind-ro='/a b'` },
      bus: true,
      argv: [...BASE, '--bind=/srv/cache:/var/cache/apt', '--setenv=GREETING=hello world', '--bind-ro=/a b', '--', ...PAYLOAD],
    },
    {
      name: 'ANSIBLE_NSPAWN_ARGS is used when no variable is set',
      env: { ANSIBLE_NSPAWN_ARGS: '--private-network' },
      config: { nspawn_connection: { nspawn_args: '--from-config' } },
      bus: true,
      argv: [...BASE, '--private-network', '--', ...PAYLOAD],
    },
    {
      name: 'the variable wins over the environment',
      vars: { ansible_nspawn_args: '--from-vars' },
      env: { ANSIBLE_NSPAWN_ARGS: '--from-env' },
      bus: true,
      argv: [...BASE, '--from-vars', '--', ...PAYLOAD],
    },
    {
      name: 'ansible.cfg [nspawn_connection] nspawn_args is the last resort',
      config: { nspawn_connection: { nspawn_args: '--from-config' } },
      bus: true,
      argv: [...BASE, '--from-config', '--', ...PAYLOAD],
    },
    {
      name: 'a user --register keeps ours out but --keep-unit is still added',
      vars: { ansible_nspawn_args: '--register=yes' },
      bus: false,
      argv: [...BASE, '--keep-unit', '--register=yes', '--', ...PAYLOAD],
    },
    {
      name: 'user --register and --keep-unit replace ours entirely',
      vars: { ansible_nspawn_args: '--keep-unit --register=no' },
      bus: false,
      argv: [...BASE, '--keep-unit', '--register=no', '--', ...PAYLOAD],
    },
    {
      name: 'a user --timezone replaces our --timezone=off (which keeps the tree\'s /etc/localtime as it is)',
      vars: { ansible_nspawn_args: '--timezone=copy' },
      bus: true,
      argv: [...BASE.filter((arg) => arg !== '--timezone=off'), '--timezone=copy', '--', ...PAYLOAD],
    },
    {
      name: 'a user --boot keeps our --as-pid2 out (nspawn refuses the two together)',
      vars: { ansible_nspawn_args: '--boot' },
      bus: true,
      argv: [...BASE.filter((arg) => arg !== '--as-pid2'), '--boot', '--', ...PAYLOAD],
    },
    {
      name: 'ansible_user becomes --user',
      vars: { ansible_user: 'builder' },
      bus: true,
      argv: [...BASE, '--user=builder', '--', ...PAYLOAD],
    },
    {
      name: 'ansible_python_interpreter is accepted and ignored',
      vars: { ansible_python_interpreter: '/usr/bin/python3' },
      bus: true,
      argv: [...BASE, '--', ...PAYLOAD],
    },
  ];
  for (const row of rows) {
    test(`nspawn argv: ${row.name}`, () => {
      const settings = resolveNspawnSettings(options(row.vars, row.config), row.env ?? {});
      assert.deepEqual(buildNspawnArgv(settings, { systemBus: row.bus }, PAYLOAD), row.argv);
    });
  }

  test('nspawn takes ansible_executable as the shell, else /bin/sh', () => {
    assert.equal(resolveNspawnSettings(options({ ansible_executable: '/bin/bash' }), {}).shell, '/bin/bash');
    assert.equal(resolveNspawnSettings(options(), {}).shell, '/bin/sh');
  });

  for (const [text, operator] of [['--bind=/a ; rm -rf /', ';'], ['--x | tee', '|'], ['--x > file', '>'], ['--x && y', '&&']] as const) {
    test(`nspawn refuses shell operator ${operator} in ansible_nspawn_args`, () => {
      assert.throws(() => resolveNspawnSettings(options({ ansible_nspawn_args: text }), {}), (error: Error) => {
        assert.ok(error instanceof ConnectionError);
        assert.match(error.message, new RegExp(`ansible_nspawn_args contains the shell operator '${operator.replace(/[|]/g, '\\|')}'`));
        return true;
      });
    });
  }

  test('nspawn refuses a relative ansible_executable', () => {
    assert.throws(() => resolveNspawnSettings(options({ ansible_executable: 'bash' }), {}), /must be an absolute path inside the tree/);
  });
});

describe('system bus detection', () => {
  const rows = [
    { facts: { systemdBooted: true, pid1Name: 'systemd', busSocket: true }, reachable: true },
    { facts: { systemdBooted: false, pid1Name: 'systemd', busSocket: true }, reachable: false },
    { facts: { systemdBooted: true, pid1Name: 'tini', busSocket: true }, reachable: false },
    { facts: { systemdBooted: true, pid1Name: 'systemd', busSocket: false }, reachable: false },
    { facts: { systemdBooted: false, pid1Name: 'process_api', busSocket: false }, reachable: false },
  ];
  for (const row of rows) {
    test(`system bus is ${row.reachable ? '' : 'not '}reachable with ${JSON.stringify(row.facts)}`, () => {
      assert.equal(systemBusReachable(row.facts), row.reachable);
    });
  }
});

describe('tree lock parsing', () => {
  test('lockId spells a device and inode as /proc/locks does', () => {
    assert.equal(lockId(65024n, 2149255n), 'fe:0:2149255');
    assert.equal(lockId(0x10300n, 12n), '103:0:12');
  });
  test('parseProcLocks reads OFD and flock entries, normalising leading zeros', () => {
    const ids = parseProcLocks('1: OFDLCK ADVISORY  WRITE -1 fe:00:2149255 0 EOF\n2: FLOCK  ADVISORY  WRITE 812 00:1a:77 0 EOF\n');
    assert.deepEqual([...ids], ['fe:0:2149255', '0:1a:77']);
  });
});

describe('controller preconditions', () => {
  const settings = { host: '/var/tmp/live', tree: '/var/tmp/live', shell: '/bin/sh', user: undefined };
  test('a non-root controller is refused with advice to use sudo', () => {
    assert.throws(() => checkRunningAsRoot(settings, 'nspawn', 1000), /\/var\/tmp\/live: the nspawn connection needs root \(running as uid 1000\); run playtree as root, e\.g\. with sudo/);
  });
  test('a missing systemd-nspawn names the Debian package to install', async () => {
    await assert.rejects(
      findProgram(settings, 'systemd-nspawn', 'systemd-container', '/nonexistent'),
      /systemd-nspawn not found on PATH; install the Debian package systemd-container/,
    );
  });
});
