import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnectionOptions } from '../connections/connection.js';
import { parseEnviron } from '../connections/nspawnContainer.js';
import {
  boundingSetArgument,
  buildEnterArgv,
  buildLeaderArgv,
  LEADER_SCRIPT,
  persistentModeWanted,
  resolveNspawnSettings,
} from '../connections/nspawnArgv.js';

function options(vars: Record<string, unknown> = {}, config: ConnectionOptions['config'] = {}): ConnectionOptions {
  return { host: '/var/tmp/live', vars, config, log: () => {} };
}

describe('persistent nspawn mode from vars, environment and ansible.cfg', () => {
  const rows: Array<[string, Record<string, unknown>, NodeJS.ProcessEnv, ConnectionOptions['config'], boolean]> = [
    ['nothing set: persistent', {}, {}, {}, true],
    ['ansible_nspawn_persistent: false', { ansible_nspawn_persistent: false }, {}, {}, false],
    ['ansible_nspawn_persistent: "no"', { ansible_nspawn_persistent: 'no' }, {}, {}, false],
    ['ANSIBLE_NSPAWN_PERSISTENT=0', {}, { ANSIBLE_NSPAWN_PERSISTENT: '0' }, {}, false],
    ['[nspawn_connection] persistent = False', {}, {}, { nspawn_connection: { persistent: 'False' } }, false],
    ['the variable wins over the environment', { ansible_nspawn_persistent: true }, { ANSIBLE_NSPAWN_PERSISTENT: 'false' }, {}, true],
  ];
  for (const [name, vars, env, config, expected] of rows) {
    test(`persistent mode: ${name}`, () => assert.equal(persistentModeWanted(options(vars, config), env), expected));
  }
});

describe('persistent nspawn argv', () => {
  test('the leader runs as root under nspawn stub init, with a unique machine name and the user nspawn arguments', () => {
    const settings = resolveNspawnSettings(options({ ansible_user: 'nobody', ansible_nspawn_args: '--private-network' }), {});
    assert.deepEqual(buildLeaderArgv(settings, { systemBus: false }, '/var/tmp/live'), [
      'systemd-nspawn', '--directory=/var/tmp/live', '--quiet', '--pipe', '--chdir=/', '--timezone=off', '--as-pid2', '--register=no',
      '--keep-unit', '--machine=live-77c13dd0', '--hostname=live', '--private-network', '--', '/bin/sh', '-c', LEADER_SCRIPT,
    ]);
  });

  const boundingRows: Array<[string, string]> = [
    ['0', '--bounding-set=-all'],
    ['1', '--bounding-set=-all,+chown'],
    ['00000000fcecafff', '--bounding-set=-all,+chown,+dac_override,+dac_read_search,+fowner,+fsetid,+kill,+setgid,+setuid,+setpcap,+linux_immutable,+net_bind_service,+net_broadcast,+net_raw,+ipc_owner,+sys_chroot,+sys_ptrace,+sys_admin,+sys_boot,+sys_nice,+sys_tty_config,+mknod,+lease,+audit_write,+audit_control,+setfcap'],
  ];
  for (const [hex, expected] of boundingRows) {
    test(`CapBnd ${hex} becomes ${expected.slice(0, 50)}...`, () => assert.equal(boundingSetArgument(hex), expected));
  }

  test('a command enters the leader namespaces and root, working folder resolved inside', () => {
    assert.deepEqual(buildEnterArgv({ leaderPid: 42, capBnd: '1' }, ['/bin/sh', '-c', 'id']), [
      'setpriv', '--bounding-set=-all,+chown', '--', 'nsenter', '--target=42', '--all', '--root', '--wdns=/', '--', '/bin/sh', '-c', 'id',
    ]);
  });

  test('an ansible_user command switches user with the tree setpriv, groups included', () => {
    const argv = buildEnterArgv({ leaderPid: 42, capBnd: '1', user: { name: '65534', gid: 65534, setpriv: '/usr/bin/setpriv' } }, ['/bin/sh', '-c', 'id']);
    assert.deepEqual(argv.slice(9), ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--init-groups', '--', '/bin/sh', '-c', 'id']);
  });

  test('environ text splits on NUL and keeps = inside values', () => {
    assert.deepEqual(parseEnviron('PATH=/bin\0A=b=c\0\0'), { PATH: '/bin', A: 'b=c' });
  });
});
