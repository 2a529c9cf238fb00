import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { describe, test } from 'node:test';
import type { ConnectionOptions } from '../connections/connection.js';
import { splitSshArgs } from '../connections/sshArgWords.js';
import { isSshFailure } from '../connections/sshFailures.js';
import { resolveSshSettings, sshArgv } from '../connections/sshSettings.js';

/* The ssh client's argv from Ansible's settings, row by row (the real sshd tests prove the behaviour). */

const PRIVATE = '/tmp/playtree-ssh-test';

function argvFor(vars: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, config: ConnectionOptions['config'] = {}): string[] {
  const settings = resolveSshSettings({ host: 'build1', vars, config, log: () => {} }, env, () => PRIVATE);
  return sshArgv(settings, { command: 'CMD' });
}

const AUTH = [
  '-o', 'KbdInteractiveAuthentication=no',
  '-o', 'PreferredAuthentications=gssapi-with-mic,gssapi-keyex,hostbased,publickey',
  '-o', 'PasswordAuthentication=no',
];
const DEFAULT_ARGS = ['-C', '-o', 'ControlMaster=auto', '-o', 'ControlPersist=60s'];

describe('ssh argv from Ansible settings', () => {
  const rows: Array<[string, Record<string, unknown>, NodeJS.ProcessEnv, ConnectionOptions['config'], string[]]> = [
    [
      'defaults: BatchMode first, Ansible ssh_args, a ControlPath in playtree own folder, the inventory name',
      {}, {}, {},
      ['-o', 'BatchMode=yes', ...DEFAULT_ARGS, ...AUTH, '-o', 'ConnectTimeout=10', '-o', `ControlPath="${PRIVATE}/%C"`, '--', 'build1', 'CMD'],
    ],
    [
      'host, port, user, key (with ~) and common/extra args in Ansible order',
      { ansible_host: '10.0.0.5', ansible_port: 2222, ansible_user: 'root', ansible_ssh_private_key_file: '~/.ssh/build', ansible_ssh_common_args: '-o ProxyJump=gw', ansible_ssh_extra_args: '-o "SendEnv=LANG LC_*"' },
      {}, {},
      ['-o', 'BatchMode=yes', ...DEFAULT_ARGS, '-o', 'Port=2222', '-o', `IdentityFile="${homedir()}/.ssh/build"`, ...AUTH, '-o', 'User="root"', '-o', 'ConnectTimeout=10', '-o', 'ProxyJump=gw', '-o', 'SendEnv=LANG LC_*', '-o', `ControlPath="${PRIVATE}/%C"`, '--', '10.0.0.5', 'CMD'],
    ],
    [
      'host_key_checking False from ANSIBLE_HOST_KEY_CHECKING',
      { ansible_host: 'h' }, { ANSIBLE_HOST_KEY_CHECKING: 'False' }, {},
      ['-o', 'BatchMode=yes', ...DEFAULT_ARGS, '-o', 'StrictHostKeyChecking=no', ...AUTH, '-o', 'ConnectTimeout=10', '-o', `ControlPath="${PRIVATE}/%C"`, '--', 'h', 'CMD'],
    ],
    [
      'ansible.cfg [defaults] host_key_checking, remote_port, timeout',
      { ansible_host: 'h' }, {}, { defaults: { host_key_checking: 'no', remote_port: '2200', timeout: '30' } },
      ['-o', 'BatchMode=yes', ...DEFAULT_ARGS, '-o', 'StrictHostKeyChecking=no', '-o', 'Port=2200', ...AUTH, '-o', 'ConnectTimeout=30', '-o', `ControlPath="${PRIVATE}/%C"`, '--', 'h', 'CMD'],
    ],
    [
      'ssh_args without ControlPersist: no ControlPath, nothing multiplexed',
      { ansible_host: 'h', ansible_ssh_args: '-o ControlMaster=no' }, {}, {},
      ['-o', 'BatchMode=yes', '-o', 'ControlMaster=no', ...AUTH, '-o', 'ConnectTimeout=10', '--', 'h', 'CMD'],
    ],
    [
      '[ssh_connection] control_path with %(directory)s and control_path_dir',
      { ansible_host: 'h' }, {}, { ssh_connection: { control_path: '%(directory)s/%%h-%%r', control_path_dir: '/run/cp' } },
      ['-o', 'BatchMode=yes', ...DEFAULT_ARGS, ...AUTH, '-o', 'ConnectTimeout=10', '-o', 'ControlPath="/run/cp/%%h-%%r"', '--', 'h', 'CMD'],
    ],
    [
      'a ControlPath in ssh_args is the user own: none added',
      { ansible_host: 'h', ansible_ssh_args: '-o ControlMaster=auto -o ControlPersist=5m -o ControlPath=~/.ssh/cm-%C' }, {}, {},
      ['-o', 'BatchMode=yes', '-o', 'ControlMaster=auto', '-o', 'ControlPersist=5m', '-o', 'ControlPath=~/.ssh/cm-%C', ...AUTH, '-o', 'ConnectTimeout=10', '--', 'h', 'CMD'],
    ],
    [
      'a ProxyCommand in ssh_common_args and -J in ssh_extra_args reach ssh as the words Ansible gives it',
      { ansible_host: 'h', ansible_ssh_common_args: `-o ProxyCommand="ssh -W %h:%p -q \${JUMP:-admin@bastion}"`, ansible_ssh_extra_args: '-J admin@gw:2222' }, {}, {},
      ['-o', 'BatchMode=yes', ...DEFAULT_ARGS, ...AUTH, '-o', 'ConnectTimeout=10', '-o', 'ProxyCommand=ssh -W %h:%p -q ${JUMP:-admin@bastion}', '-J', 'admin@gw:2222', '-o', `ControlPath="${PRIVATE}/%C"`, '--', 'h', 'CMD'],
    ],
    [
      'host variables beat the environment, which beats ansible.cfg',
      { ansible_host: 'h', ansible_port: 1 }, { ANSIBLE_REMOTE_PORT: '2', ANSIBLE_REMOTE_USER: 'envuser' }, { defaults: { remote_port: '3', remote_user: 'cfguser' } },
      ['-o', 'BatchMode=yes', ...DEFAULT_ARGS, '-o', 'Port=1', ...AUTH, '-o', 'User="envuser"', '-o', 'ConnectTimeout=10', '-o', `ControlPath="${PRIVATE}/%C"`, '--', 'h', 'CMD'],
    ],
  ];
  for (const [label, vars, env, config, expected] of rows) {
    test(`ssh argv: ${label}`, () => {
      assert.deepEqual(argvFor(vars, env, config), expected);
    });
  }

  const refused: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a port that is not a number', { ansible_port: 'twenty' }, /build1: ansible_port 'twenty' is not a port number$/],
    ['host_key_checking that is not a boolean', { ansible_host_key_checking: 'maybe' }, /host_key_checking 'maybe' is not a boolean/],
    ['ansible_ssh_pass', { ansible_ssh_pass: 'x' }, /ansible_password is not supported/],
    ['a relative ansible_executable', { ansible_executable: 'bash' }, /must be an absolute path on the remote host/],
    ['a shell operator in ssh_common_args', { ansible_ssh_common_args: '-o A=b; rm -rf /' }, /ssh_common_args contains the shell operator ';'/],
    ['an unclosed quote in ssh_extra_args', { ansible_ssh_extra_args: `-o 'ProxyCommand=ssh gw` }, /build1: ssh_extra_args has no closing quotation \(\'\)/],
  ];
  for (const [label, vars, message] of refused) {
    test(`ssh settings refuse ${label} with a one-line error`, () => {
      assert.throws(() => argvFor(vars), message);
    });
  }
});

describe("ssh_args, ssh_common_args and ssh_extra_args split into words as Ansible's shlex.split does", () => {
  const rows: Array<[string, string[]]> = [
    ['-o ProxyCommand="ssh -W %h:%p -q user@bastion"', ['-o', 'ProxyCommand=ssh -W %h:%p -q user@bastion']],
    [`-o 'ProxyCommand=ssh -i "/keys/my key" -W %h:%p gw'`, ['-o', 'ProxyCommand=ssh -i "/keys/my key" -W %h:%p gw']],
    ['-o "ProxyCommand=ssh gw -W %h:%p $(cat /etc/gw) \\$X"', ['-o', 'ProxyCommand=ssh gw -W %h:%p $(cat /etc/gw) \\$X']],
    ['-o IdentityFile=~/keys/k#1 -oProxyJump=gw', ['-o', 'IdentityFile=~/keys/k#1', '-oProxyJump=gw']],
    ['-o "a\\\\\\"b" x\\ y', ['-o', 'a\\"b', 'x y']],
    ['-C  -o ControlMaster=auto\t-o " ControlPersist=60s " \'\' ""', ['-C', '-o', 'ControlMaster=auto', '-o', 'ControlPersist=60s']],
  ];
  for (const [text, expected] of rows) {
    test(`ssh_common_args ${JSON.stringify(text)} gives ssh ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(splitSshArgs(text, 'build1', 'ssh_common_args'), expected);
    });
  }
});

describe("telling ssh's own failures from a command's exit code 255", () => {
  const rows: Array<[number, string, boolean]> = [
    [255, 'root@10.0.0.5: Permission denied (publickey).\r\n', true],
    [255, 'ssh: connect to host 10.0.0.5 port 22: Connection refused\r\n', true],
    [255, 'Host key verification failed.\r\n', true],
    [255, 'mux_client_request_session: read from master failed: Broken pipe\r\n', true],
    [255, 'Connection to 10.0.0.5 closed by remote host.\r\n', true],
    [255, 'my own failure\n', false],
    [255, '', false],
    [1, 'ssh: connect to host x port 22: Connection refused\n', false],
  ];
  for (const [rc, stderr, expected] of rows) {
    test(`rc ${rc} with ${JSON.stringify(stderr.trim() || '(no stderr)')} is ${expected ? "ssh's failure" : "the command's"}`, () => {
      assert.equal(isSshFailure(rc, stderr), expected);
    });
  }
});
