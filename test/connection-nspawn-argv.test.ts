import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnectionOptions } from '../connections/connection.js';
import { buildNspawnArgv, cleanHostname, isValidHostname, machineNameOf, resolveNspawnSettings } from '../connections/nspawnArgv.js';
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
/** The machine name: folder name and 8 hex digits of sha256('/var/tmp/live'); the hostname stays the folder name. */
const NAMES = ['--machine=live-77c13dd0', '--hostname=live'];

describe('nspawn argv from vars, environment and ansible.cfg', () => {
  const rows: Array<{ name: string; vars?: Record<string, unknown>; env?: NodeJS.ProcessEnv; config?: ConnectionOptions['config']; bus: boolean; argv: string[] }> = [
    { name: 'inventory name is the tree; no bus adds --register=no --keep-unit', bus: false, argv: [...BASE, ...NO_BUS, ...NAMES, '--', ...PAYLOAD] },
    { name: 'a reachable system bus adds no bus flags', bus: true, argv: [...BASE, ...NAMES, '--', ...PAYLOAD] },
    {
      name: 'ansible_host wins over the inventory name',
      vars: { ansible_host: '/srv/image' },
      bus: true,
      argv: ['systemd-nspawn', '--directory=/srv/image', '--quiet', '--pipe', '--chdir=/', '--timezone=off', '--as-pid2', '--machine=image-ce8ebe99', '--hostname=image', '--', ...PAYLOAD],
    },
    {
      name: 'ansible_nspawn_args are split as a shell would',
      vars: { ansible_nspawn_args: `--bind=/srv/cache:/var/cache/apt "--setenv=GREETING=hello world" --bind-ro='/a b'` },
      bus: true,
      argv: [...BASE, ...NAMES, '--bind=/srv/cache:/var/cache/apt', '--setenv=GREETING=hello world', '--bind-ro=/a b', '--', ...PAYLOAD],
    },
    {
      name: 'ANSIBLE_NSPAWN_ARGS is used when no variable is set',
      env: { ANSIBLE_NSPAWN_ARGS: '--private-network' },
      config: { nspawn_connection: { nspawn_args: '--from-config' } },
      bus: true,
      argv: [...BASE, ...NAMES, '--private-network', '--', ...PAYLOAD],
    },
    {
      name: 'the variable wins over the environment',
      vars: { ansible_nspawn_args: '--from-vars' },
      env: { ANSIBLE_NSPAWN_ARGS: '--from-env' },
      bus: true,
      argv: [...BASE, ...NAMES, '--from-vars', '--', ...PAYLOAD],
    },
    {
      name: 'ansible.cfg [nspawn_connection] nspawn_args is the last resort',
      config: { nspawn_connection: { nspawn_args: '--from-config' } },
      bus: true,
      argv: [...BASE, ...NAMES, '--from-config', '--', ...PAYLOAD],
    },
    {
      name: 'a user --register keeps ours out but --keep-unit is still added',
      vars: { ansible_nspawn_args: '--register=yes' },
      bus: false,
      argv: [...BASE, '--keep-unit', ...NAMES, '--register=yes', '--', ...PAYLOAD],
    },
    {
      name: 'user --register and --keep-unit replace ours entirely',
      vars: { ansible_nspawn_args: '--keep-unit --register=no' },
      bus: false,
      argv: [...BASE, ...NAMES, '--keep-unit', '--register=no', '--', ...PAYLOAD],
    },
    {
      name: 'a user --timezone replaces our --timezone=off (which keeps the tree\'s /etc/localtime as it is)',
      vars: { ansible_nspawn_args: '--timezone=copy' },
      bus: true,
      argv: [...BASE.filter((arg) => arg !== '--timezone=off'), ...NAMES, '--timezone=copy', '--', ...PAYLOAD],
    },
    {
      name: 'a user --boot keeps our --as-pid2 out (nspawn refuses the two together)',
      vars: { ansible_nspawn_args: '--boot' },
      bus: true,
      argv: [...BASE.filter((arg) => arg !== '--as-pid2'), ...NAMES, '--boot', '--', ...PAYLOAD],
    },
    {
      name: 'ansible_user becomes --user',
      vars: { ansible_user: 'builder' },
      bus: true,
      argv: [...BASE, '--user=builder', ...NAMES, '--', ...PAYLOAD],
    },
    {
      name: 'ansible_python_interpreter is accepted and ignored',
      vars: { ansible_python_interpreter: '/usr/bin/python3' },
      bus: true,
      argv: [...BASE, ...NAMES, '--', ...PAYLOAD],
    },
    {
      name: 'a user --machine keeps both our names out (nspawn derives the hostname from it)',
      vars: { ansible_nspawn_args: '--machine=builder' },
      bus: true,
      argv: [...BASE, '--machine=builder', '--', ...PAYLOAD],
    },
    {
      name: 'a user -M keeps both our names out',
      vars: { ansible_nspawn_args: '-M builder' },
      bus: true,
      argv: [...BASE, '-M', 'builder', '--', ...PAYLOAD],
    },
    {
      name: 'a user --hostname keeps ours out but the machine name is still unique',
      vars: { ansible_nspawn_args: '--hostname=inside' },
      bus: true,
      argv: [...BASE, '--machine=live-77c13dd0', '--hostname=inside', '--', ...PAYLOAD],
    },
    {
      name: '--ephemeral keeps our machine name out (nspawn adds a random suffix to its own)',
      vars: { ansible_nspawn_args: '--ephemeral' },
      bus: true,
      argv: [...BASE, '--ephemeral', '--', ...PAYLOAD],
    },
  ];
  for (const row of rows) {
    test(`nspawn argv: ${row.name}`, () => {
      const settings = resolveNspawnSettings(options(row.vars, row.config), row.env ?? {});
      assert.deepEqual(buildNspawnArgv(settings, { systemBus: row.bus }, settings.tree, PAYLOAD), row.argv);
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

describe('nspawn machine name and hostname', () => {
  const settingsFor = (tree: string, vars: Record<string, unknown> = {}) =>
    resolveNspawnSettings({ host: tree, vars, config: {}, log: () => {} }, {});
  const namesOf = (tree: string, realTree: string) =>
    buildNspawnArgv(settingsFor(tree), { systemBus: true }, realTree, PAYLOAD).filter((arg) => /^--(machine|hostname)=/.test(arg));

  test('the machine name hashes the real path; the hostname stays the folder name given (a symlink\'s)', () => {
    assert.deepEqual(namesOf('/var/tmp/live', '/var/tmp/real-live'), ['--machine=live-a25ec18e', '--hostname=live']);
  });

  test('two trees with the same folder name get two machine names and one hostname', () => {
    const [first, second] = [namesOf('/a/tree', '/a/tree'), namesOf('/b/tree', '/b/tree')];
    assert.notEqual(first[0], second[0]);
    assert.equal(first[1], '--hostname=tree');
    assert.equal(second[1], '--hostname=tree');
  });

  const cleanRows: Array<[string, string]> = [
    ['tree', 'tree'],
    ['My_Tree.x', 'MyTree.x'],
    ['-.lead..dots-.x-', 'lead.dots-x'],
    ['a--b', 'a--b'],
    ['ünï', 'n'],
    ['___', ''],
    ['x'.repeat(70), 'x'.repeat(64)],
  ];
  for (const [folder, hostname] of cleanRows) {
    test(`folder name ${JSON.stringify(folder.slice(0, 20))} is cleaned as systemd does to ${JSON.stringify(hostname.slice(0, 20))}`, () => {
      assert.equal(cleanHostname(folder), hostname);
    });
  }

  test('a long folder name is cut so that the machine name stays a valid 64-character name', () => {
    const name = machineNameOf(`/srv/${'a'.repeat(54)}.-b${'c'.repeat(20)}`, '/srv/x');
    assert.equal(name, `${'a'.repeat(54)}-${name.slice(-8)}`);
    assert.ok(isValidHostname(machineNameOf(`/srv/${'y'.repeat(200)}`, '/srv/y')));
    assert.equal(machineNameOf(`/srv/${'y'.repeat(200)}`, '/srv/y').length, 64);
  });

  test('a folder name with nothing valid in it gets a machine name and no hostname (nspawn uses the machine name)', () => {
    assert.deepEqual(namesOf('/srv/___', '/srv/___'), [`--machine=tree-${machineNameOf('/srv/___', '/srv/___').slice(-8)}`]);
  });

  test('the host root as tree is left to nspawn (it names that container after the host)', () => {
    assert.deepEqual(namesOf('/', '/'), []);
  });

  for (const [name, valid] of [['tree', true], ['a.b-c', true], ['a--b', true], ['-a', false], ['a-', false], ['a.', false], ['a..b', false], ['a-.b', false], ['a_b', false], ['x'.repeat(65), false]] as const) {
    test(`${JSON.stringify(name.slice(0, 12))} is ${valid ? '' : 'not '}a valid machine name`, () => assert.equal(isValidHostname(name), valid));
  }
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
