import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * A real OpenSSH server for the ssh connection's tests: `/usr/sbin/sshd -D -e -f CONFIG` started as this
 * test's child on 127.0.0.1 and a free port, with a throw-away host key and user key in a temporary folder.
 * The machine's own sshd service (if any) is left alone. Nothing is installed here: scripts/test-setup.sh
 * ensures openssh-server as it ensures the other tools. Tests run as root, so root@127.0.0.1 logs in with the
 * user key.
 */

export const SSHD = '/usr/sbin/sshd';
/** Two loopback addresses: two inventory hosts reach the same sshd as two machines (two masters). */
export const ADDRESSES = ['127.0.0.1', '127.0.0.2'];

/** Why the ssh tests cannot run here, or undefined when they can. */
export function sshdMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (sshd and a login as root)';
  if (!existsSync(SSHD)) return `${SSHD} is missing: run scripts/test-setup.sh (installs openssh-server)`;
  if (spawnSync('ssh-keygen', ['-?']).error) return 'ssh-keygen is missing: install openssh-client';
  return undefined;
}

export interface TestSshd {
  port: number;
  /** The temporary folder holding keys, config and known_hosts files. */
  dir: string;
  /** The user key sshd accepts for root. */
  userKey: string;
  /** A key sshd does not accept. */
  wrongKey: string;
  /** A known_hosts file that knows this server's host key (as [127.0.0.1]:PORT and [127.0.0.2]:PORT). */
  knownHosts: string;
  /** An empty known_hosts file: the host key is unknown there. */
  emptyKnownHosts: string;
  /** A known_hosts file naming another key for this server: a changed host key. */
  changedKnownHosts: string;
  /** Inventory variables that reach this server as root with the user key and the good known_hosts. */
  hostVars(extra?: Record<string, string>, address?: string): Record<string, string>;
  stop(): Promise<void>;
}

function keygen(path: string): void {
  const made = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'playtree-test', '-f', path]);
  if (made.status !== 0) throw new Error(`ssh-keygen failed: ${made.stderr.toString()}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('data', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Start a throw-away sshd; call `stop()` after the tests (it also removes the temporary folder). */
export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'playtree-sshd-'));
  const hostKey = join(dir, 'host_key');
  const otherHostKey = join(dir, 'other_host_key');
  const userKey = join(dir, 'user key');
  const wrongKey = join(dir, 'wrong_key');
  for (const key of [hostKey, otherHostKey, userKey, wrongKey]) keygen(key);
  const publicKey = (path: string) => spawnSync('cat', [`${path}.pub`]).stdout.toString().trim();
  writeFileSync(join(dir, 'authorized_keys'), `${publicKey(userKey)}\n`, { mode: 0o600 });
  const port = await freePort();
  const hostLine = (path: string) => {
    const key = publicKey(path).split(' ').slice(0, 2).join(' ');
    return ADDRESSES.map((address) => `[${address}]:${port} ${key}\n`).join('');
  };
  const knownHosts = join(dir, 'known_hosts');
  const emptyKnownHosts = join(dir, 'known_hosts.empty');
  const changedKnownHosts = join(dir, 'known_hosts.changed');
  writeFileSync(knownHosts, hostLine(hostKey));
  writeFileSync(emptyKnownHosts, '');
  writeFileSync(changedKnownHosts, hostLine(otherHostKey));
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      ...ADDRESSES.map((address) => `ListenAddress ${address}`),
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      `PidFile ${join(dir, 'sshd.pid')}`,
      // Enough for a test's parallel hosts and a reconnect while old sessions close.
      'MaxStartups 50',
      'MaxSessions 50',
      // Keeps root's bash from reading ~/.bashrc for every command (bash does so when sshd starts it at
      // SHLVL 1): this machine's .bashrc starts pyenv, about 0.4 s per command. A real build host's is its own.
      'SetEnv SHLVL=1',
      '',
    ].join('\n'),
  );
  // sshd refuses to start without its privilege-separation folder.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let tries = 0; !(await portAnswers(port)); tries++) {
    if (child.exitCode !== null || tries > 200) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start: ${log}`);
    }
    await sleep(25);
  }
  return {
    port,
    dir,
    userKey,
    wrongKey,
    knownHosts,
    emptyKnownHosts,
    changedKnownHosts,
    hostVars: (extra = {}, address = ADDRESSES[0]!) => ({
      ansible_connection: 'ssh',
      ansible_host: address,
      ansible_port: String(port),
      ansible_user: 'root',
      ansible_ssh_private_key_file: userKey,
      ansible_ssh_common_args: `-o UserKnownHostsFile="${knownHosts}"`,
      ...extra,
    }),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      // A session a test left open (a connection it did not close) keeps its sshd process, and with it this
      // log pipe, until the test process ends: the pipe must not keep the test process running.
      child.stderr!.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Pids of the ssh master processes whose control socket is in `folder` (`ssh: FOLDER/... [mux]`). */
export function mastersIn(folder: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (args.startsWith(`ssh: ${folder}/`) && args.includes('[mux]')) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/**
 * Wait until `condition()` holds (a process gone, a file there). Not a timing assertion: the bound only keeps
 * a broken case from hanging the suite, and says what never happened.
 */
export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let tries = 0; !condition(); tries++) {
    if (tries > 1500) throw new Error(`gave up waiting: ${what}`);
    await sleep(20);
  }
}
