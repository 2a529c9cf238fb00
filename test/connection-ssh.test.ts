import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { ConnectionOptions } from '../connections/connection.js';
import { connectionFactory } from '../connections/registry.js';
import { SshConnection } from '../connections/ssh.js';
import { closeSshMasters, openMasterKeys, privateControlFolder } from '../connections/sshMasters.js';
import { ConnectionError } from '../src/core/errors.js';
import { hashingSink, sha256 } from './support/treeConnectionCases.js';
import { ADDRESSES, mastersIn, sshdMissing, startSshd, waitFor, type TestSshd } from './support/sshd.js';

const skip = sshdMissing();

function options(vars: Record<string, string>, host = 'build1'): ConnectionOptions {
  return { host, vars, config: {}, log: () => {} };
}

/** A stream of `count` random 64 KiB chunks, one every few milliseconds, then a pause that never ends. */
function slowStream(count: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent++ < count) setTimeout(() => this.push(randomBytes(64 * 1024)), 5);
    },
  });
}

if (skip) {
  test(`ssh connection tests skipped: ${skip}`, { skip }, () => {});
} else {
  describe('ssh connection against a real sshd', () => {
    let sshd: TestSshd;
    let connection: SshConnection;
    const remoteDir = mkdtempSync(join(tmpdir(), 'playtree-ssh-remote-'));

    before(async () => {
      sshd = await startSshd();
      connection = new SshConnection(options(sshd.hostVars()));
      await connection.open();
    });
    after(async () => {
      await closeSshMasters();
      await sshd?.stop();
      rmSync(remoteDir, { recursive: true, force: true });
    });

    test('ssh is registered under ansible_connection=ssh and ansible.builtin.ssh', () => {
      assert.ok(connectionFactory('ssh')(options(sshd.hostVars())) instanceof SshConnection);
      assert.ok(connectionFactory('ansible.builtin.ssh')(options(sshd.hostVars())) instanceof SshConnection);
    });

    test('ssh exec returns the remote command exact exit code, stdout and stderr', async () => {
      const result = await connection.exec("printf 'out\\0put'; printf 'err' >&2; exit 42");
      assert.equal(result.rc, 42);
      assert.deepEqual(result.stdout, Buffer.from('out\0put'));
      assert.deepEqual(result.stderr, Buffer.from('err'));
    });

    test('ssh exec of a command that itself exits 255 is a failed command, not an unreachable host', async () => {
      const result = await connection.exec('echo "my own failure" >&2; exit 255');
      assert.equal(result.rc, 255);
      assert.equal(result.stderr.toString(), 'my own failure\n');
    });

    test('ssh exec forwards binary stdin byte for byte and gives an empty stdin when none is given', async () => {
      const input = Buffer.concat([randomBytes(5000), Buffer.from([0]), randomBytes(5000)]);
      const hashed = await connection.exec('sha256sum | cut -d" " -f1', { stdin: input });
      assert.equal(hashed.stdout.toString().trim(), sha256(input));
      assert.equal((await connection.exec('cat; echo done')).stdout.toString(), 'done\n');
    });

    for (const name of ['with space', 'ünïcødé ファイル', `quote'and"double $HOME`, '-leading-dash']) {
      test(`ssh put and fetch a file named ${JSON.stringify(name)}`, async () => {
        const content = Buffer.from(`content of ${name}\n`);
        await connection.put(Readable.from([content]), join(remoteDir, name));
        assert.deepEqual(readFileSync(join(remoteDir, name)), content);
        const fetched = hashingSink();
        await connection.fetch(join(remoteDir, name), fetched.sink);
        assert.equal(fetched.digest(), sha256(content));
      });
    }

    test('ssh put whose source fails midway leaves neither the destination nor a temporary file', async () => {
      const folder = mkdtempSync(join(remoteDir, 'failing-'));
      let sent = 0;
      const failing = new Readable({
        read() {
          if (sent++ < 4) this.push(randomBytes(256 * 1024));
          else this.destroy(new Error('disk read error'));
        },
      });
      await assert.rejects(connection.put(failing, join(folder, 'file')), /disk read error/);
      assert.deepEqual(readdirSync(folder), []);
    });

    test('ssh runOnHost runs an argv on the host word for word, stdin and stdout streamed (for tree drivers on a build host)', async () => {
      const words = await connection.runOnHost(['printf', '%s|', 'a b', `it's "q" $HOME`, 'ünï']);
      assert.equal(words.stdout.toString(), `a b|it's "q" $HOME|ünï|`);
      const input = randomBytes(3 * 1024 * 1024);
      const fetched = hashingSink();
      const piped = await connection.runOnHost(['cat'], { stdin: Readable.from([input]), stdout: fetched.sink });
      assert.equal(piped.rc, 0);
      assert.equal(fetched.digest(), sha256(input));
    });

    test('ssh without ControlPersist in ssh_args connects for each command and leaves no master', async () => {
      const before = mastersIn(privateControlFolder()).length;
      const plain = new SshConnection(options(sshd.hostVars({ ansible_ssh_args: '-o ControlMaster=no' })));
      assert.equal((await plain.exec('echo plain')).stdout.toString(), 'plain\n');
      assert.equal(mastersIn(privateControlFolder()).length, before);
    });

    test('ssh keeps one master per host for every command and every connection object of the run', async () => {
      const second = new SshConnection(options(sshd.hostVars()));
      await second.open();
      for (let index = 0; index < 5; index++) await second.exec('true');
      await second.close();
      assert.equal(mastersIn(privateControlFolder()).length, 1);
      const other = new SshConnection(options(sshd.hostVars({}, ADDRESSES[1]), 'build2'));
      assert.equal((await other.exec('echo two')).stdout.toString(), 'two\n');
      assert.equal(mastersIn(privateControlFolder()).length, 2);
      assert.equal(openMasterKeys().length, 2);
    });

    test('ssh reopens the master for the next command after it was killed between commands', async () => {
      for (const pid of mastersIn(privateControlFolder())) process.kill(pid, 'SIGKILL');
      await waitFor(() => mastersIn(privateControlFolder()).length === 0, 'the killed masters to be gone');
      assert.equal((await connection.exec('echo again')).stdout.toString(), 'again\n');
      assert.equal(mastersIn(privateControlFolder()).length, 1);
    });

    test('ssh command cut by a killed master is a ConnectionError saying the connection was lost, not a failed command', async () => {
      const running = connection.exec('sleep 3.25');
      // The remote command runs on this machine: wait until it is there, then kill its master.
      await waitFor(() => execFileSync('ps', ['-eo', 'args']).toString().split('\n').includes('sleep 3.25'), 'the remote sleep to run');
      for (const pid of mastersIn(privateControlFolder())) process.kill(pid, 'SIGKILL');
      await assert.rejects(running, (error: Error) => {
        assert.ok(error instanceof ConnectionError);
        assert.match(error.message, /^build1: Failed to connect to the host via ssh: the connection to 127\.0\.0\.1 port \d+ was lost while a command ran/);
        return true;
      });
    });

    test('ssh put cut by a killed master is a ConnectionError and leaves no partial or temporary file', async () => {
      const folder = mkdtempSync(join(remoteDir, 'killed-'));
      const putting = connection.put(slowStream(1_000_000), join(folder, 'file'));
      // Wait until the temporary file is there and growing: the transfer is under way.
      await waitFor(() => readdirSync(folder).some((name) => name.startsWith('.playtree-put-')), 'the temporary file of the put');
      for (const pid of mastersIn(privateControlFolder())) process.kill(pid, 'SIGKILL');
      await assert.rejects(putting, (error: Error) => {
        assert.ok(error instanceof ConnectionError);
        assert.match(error.message, /^build1: /);
        return true;
      });
      await waitFor(() => readdirSync(folder).length === 0, 'the remote script to remove its temporary file');
      assert.deepEqual(readdirSync(folder), []);
    });

    test('closeSshMasters ends every master of the run (ssh -O exit)', async () => {
      await connection.exec('true');
      assert.ok(mastersIn(privateControlFolder()).length >= 1);
      await closeSshMasters();
      assert.deepEqual(openMasterKeys(), []);
      await waitFor(() => mastersIn(privateControlFolder()).length === 0, 'the masters to exit');
      assert.deepEqual(mastersIn(privateControlFolder()), []);
    });
  });

  describe('ssh hosts that cannot be reached are ConnectionErrors that say what to do', () => {
    let sshd: TestSshd;
    before(async () => {
      sshd = await startSshd();
    });
    after(async () => {
      await closeSshMasters();
      await sshd?.stop();
    });

    /** Opening fails with `message` on one line, and leaves no master to close. */
    const unreachable = async (vars: Record<string, string>, message: RegExp) => {
      const connection = new SshConnection(options(vars));
      await assert.rejects(connection.open(), (error: Error) => {
        assert.ok(error instanceof ConnectionError, String(error));
        assert.match(error.message, message);
        assert.equal(error.message.includes('\n'), false);
        return true;
      });
      assert.deepEqual(openMasterKeys(), []);
    };

    test('ssh with a key the server refuses is unreachable, naming the key setting', async () => {
      await unreachable(
        sshd.hostVars({ ansible_ssh_private_key_file: sshd.wrongKey, ansible_ssh_extra_args: '-o IdentitiesOnly=yes' }),
        /^build1: Failed to connect to the host via ssh: root@127\.0\.0\.1: Permission denied \(publickey\); check ansible_user and ansible_ssh_private_key_file/,
      );
    });

    test('ssh to an unknown host key is unreachable with the known_hosts and host_key_checking hint, never a prompt', async () => {
      await unreachable(
        sshd.hostVars({ ansible_ssh_common_args: `-o UserKnownHostsFile="${sshd.emptyKnownHosts}"` }),
        new RegExp(`the host key of 127\\.0\\.0\\.1 port ${sshd.port} is unknown .*add it to known_hosts .*ssh-keyscan -p ${sshd.port} 127\\.0\\.0\\.1.*host_key_checking = False`),
      );
    });

    test('ssh to a changed host key is unreachable and says the key CHANGED', async () => {
      await unreachable(
        sshd.hostVars({ ansible_ssh_common_args: `-o UserKnownHostsFile="${sshd.changedKnownHosts}"` }),
        /has CHANGED since it was recorded in known_hosts .*ssh-keygen -R/,
      );
    });

    test('ssh to a port nobody listens on is unreachable with ssh own message', async () => {
      await unreachable(sshd.hostVars({ ansible_port: '1' }), /^build1: Failed to connect to the host via ssh: ssh: connect to host 127\.0\.0\.1 port 1: Connection refused$/);
    });

    test('ssh refuses ansible_password: playtree never answers a password prompt', () => {
      assert.throws(() => new SshConnection(options(sshd.hostVars({ ansible_password: 'secret' }))), /ansible_password is not supported .*log in with a key/);
    });

    test('ssh with host_key_checking off connects to a host whose key is unknown', async () => {
      const knownHosts = join(sshd.dir, 'known_hosts.accepting');
      copyFileSync(sshd.emptyKnownHosts, knownHosts);
      const connection = new SshConnection(
        options(sshd.hostVars({ ansible_host_key_checking: 'false', ansible_ssh_common_args: `-o UserKnownHostsFile="${knownHosts}"` })),
      );
      assert.equal((await connection.exec('echo in')).stdout.toString(), 'in\n');
    });

    test('ssh through a ProxyCommand in ssh_extra_args reaches a host that cannot be reached directly, the ProxyCommand as written', async () => {
      // The target name resolves nowhere: only the ProxyCommand (a second ssh to this sshd, -W) gets there. Its
      // ${...:-PORT} must reach ssh untouched, and its quoted key path (with a space) too, as Ansible passes them.
      const proxy = `ssh -o BatchMode=yes -o UserKnownHostsFile=\\"${sshd.knownHosts}\\" -i \\"${sshd.userKey}\\" -p \${PLAYTREE_TEST_UNSET:-${sshd.port}} -W 127.0.0.1:%p root@127.0.0.1`;
      const proxied = new SshConnection(
        options(
          sshd.hostVars({
            ansible_host: 'playtree-proxied.invalid',
            ansible_ssh_args: '-o ControlMaster=no',
            ansible_host_key_checking: 'false',
            ansible_ssh_common_args: `-o UserKnownHostsFile="${join(sshd.dir, 'known_hosts.proxied')}"`,
            ansible_ssh_extra_args: `-o "ProxyCommand=${proxy}"`,
          }),
        ),
      );
      assert.equal((await proxied.exec('echo proxied')).stdout.toString(), 'proxied\n');
    });
  });

  describe('ssh large transfers', () => {
    let sshd: TestSshd;
    const remoteDir = mkdtempSync(join(tmpdir(), 'playtree-ssh-large-'));
    before(async () => {
      sshd = await startSshd();
    });
    after(async () => {
      await closeSshMasters();
      await sshd?.stop();
      rmSync(remoteDir, { recursive: true, force: true });
    });

    test('ssh put then fetch round-trips 100 MB of random bytes bit-exact, streamed', async () => {
      const block = randomBytes(1024 * 1024);
      const chunks = Array.from({ length: 100 }, (_, index) => Buffer.concat([block.subarray(index), block.subarray(0, index)]));
      const expected = sha256(Buffer.concat(chunks));
      const path = join(remoteDir, 'random.bin');
      // Without ssh_args' -C (Ansible's default compression): random bytes do not compress, and zlib on both
      // ends of one busy test machine takes five times as long as the transfer itself.
      const connection = new SshConnection(options(sshd.hostVars({ ansible_ssh_args: '-o ControlMaster=auto -o ControlPersist=60s' })));
      await connection.put(Readable.from(chunks), path);
      assert.equal(execFileSync('sha256sum', [path]).toString().split(' ')[0], expected);
      const fetched = hashingSink();
      await connection.fetch(path, fetched.sink);
      assert.equal(fetched.size(), 100 * 1024 * 1024);
      assert.equal(fetched.digest(), expected);
    });
  });
}
