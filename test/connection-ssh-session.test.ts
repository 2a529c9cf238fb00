import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { ConnectionOptions } from '../connections/connection.js';
import { SshConnection } from '../connections/ssh.js';
import { closeOpenConnections } from '../connections/openConnections.js';
import { closeSshMasters } from '../connections/sshMasters.js';
import { mastersIn, sshdMissing, startSshd, waitFor, type TestSshd } from './support/sshd.js';

/*
 * The ssh connection's command session (sshSession.ts): short commands run one after another in one ssh
 * session per host. What a command sees and gives back must be what its own ssh command would give.
 */

const skip = sshdMissing();
const BIN = fileURLToPath(new URL('../../bin/playtree.js', import.meta.url));

/** The `sleep 600.25` processes of this machine (the sshd is here). */
function sleepers(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\x00600.25\x00';
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Whether process `pid` runs (a zombie waiting for its reaper does not). */
function running(pid: string): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('ssh command session', { skip }, () => {
  let sshd: TestSshd;
  let connection: SshConnection;
  const logged: string[] = [];
  const options = (): ConnectionOptions => ({ host: 'build1', vars: sshd.hostVars(), config: {}, log: (_level, line) => logged.push(line) });
  /** The pid of the shell that started the command's shell: one session's commands share it. */
  const serverOf = async (c: SshConnection) => (await c.exec('echo $PPID')).stdout.toString().trim();
  /** The command's own output file on the host: it lies in the session's folder. */
  const sessionFolder = async (c: SshConnection) => (await c.exec('readlink /proc/self/fd/1')).stdout.toString().trim().replace(/\/[^/]+$/, '');

  before(async () => {
    sshd = await startSshd();
    connection = new SshConnection(options());
  });
  after(async () => {
    await connection?.close();
    await closeSshMasters();
    await sshd?.stop();
  });

  test('commands after the first share one session on the host, logged as SESSION EXEC at -vvv', async () => {
    const first = await serverOf(connection);
    const second = await serverOf(connection);
    assert.match(first, /^\d+$/);
    assert.equal(second, first);
    assert.ok(logged.some((line) => line.includes('SSH: SESSION EXEC ')));
  });

  test('a session command gives exact exit codes, binary output (with NUL and the frame words) and stderr apart', async () => {
    const result = await connection.exec("printf 'a\\0b\\nPT:E\\nno newline'; printf 'e1\\ne2' >&2; exit 7");
    assert.equal(result.rc, 7);
    assert.deepEqual(result.stdout, Buffer.from('a\0b\nPT:E\nno newline'));
    assert.deepEqual(result.stderr, Buffer.from('e1\ne2'));
    const empty = await connection.exec('exit 0');
    assert.deepEqual([empty.rc, empty.stdout.length, empty.stderr.length], [0, 0, 0]);
  });

  test('stdin with quotes, newlines and non-UTF-8 bytes reaches the command byte for byte; none is an empty stdin', async () => {
    const input = Buffer.concat([Buffer.from("it's \"quoted\" $HOME `x`\n'\n"), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('\nend')]);
    const echoed = await connection.exec('od -An -tx1 | tr -d " \\n"', { stdin: input });
    assert.equal(echoed.stdout.toString(), input.toString('hex'));
    const none = await connection.exec('wc -c');
    assert.equal(none.stdout.toString().trim(), '0');
  });

  test('a session command has the environment and umask its own ssh command would have', async () => {
    const probe = 'umask; env | grep -v -e ^PLAYTREE_SSH_COMMAND= -e ^_= -e ^SSH_ -e ^SHLVL= | sort';
    const inSession = await connection.exec(probe);
    const alone = await connection.runOnHost(['/bin/sh', '-c', probe], { stopsItself: true });
    assert.equal(inSession.stdout.toString(), alone.stdout.toString());
    assert.match(inSession.stdout.toString(), /^0022\n/);
  });

  test('commands sent at once each get their own result (the session takes one, the others run on their own)', async () => {
    const fresh = new SshConnection(options());
    try {
      const words = ['one', 'two', 'three', 'four', 'five'];
      const results = await Promise.all(words.map((word, index) => fresh.exec(`sleep 0.1; echo ${word}; exit ${index}`)));
      assert.deepEqual(
        results.map((result) => [result.rc, result.stdout.toString()]),
        words.map((word, index) => [index, `${word}\n`]),
      );
    } finally {
      await fresh.close();
    }
  });

  test('an interrupted run stops a session command: its own shell (its TERM trap runs) and what it started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'playtree-session-stop-'));
    const trapped = join(dir, 'trapped');
    try {
      const command = connection.exec(`trap 'touch ${trapped}; exit 143' TERM; sleep 600.25; echo not stopped`);
      while (!sleepers().length) await new Promise((resolve) => setTimeout(resolve, 50));
      await closeOpenConnections();
      const result = await command;
      assert.deepEqual([result.rc, result.stdout.toString(), existsSync(trapped)], [143, '', true]);
      assert.deepEqual(sleepers(), []);
    } finally {
      for (const pid of sleepers()) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a put of a small file goes through the session bit-exact; a big one streams on its own ssh command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'playtree-session-put-'));
    try {
      for (const [name, bytes] of [['small', Buffer.from("key='value'\nü\n")], ['big', Buffer.alloc(300 * 1024, 'x')]] as const) {
        const from = logged.length;
        await connection.put(Readable.from([bytes]), join(dir, name));
        assert.deepEqual(readFileSync(join(dir, name)), bytes);
        const sent = logged.slice(from).filter((line) => line.includes('playtree-put'));
        assert.deepEqual(
          sent.map((line) => line.includes('SSH: SESSION EXEC')),
          [name === 'small'],
          sent.join('\n'),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a session command's $$ is its own shell's pid, as in a shell of its own", async () => {
    const result = await connection.exec('echo $$; read -r own rest </proc/self/stat; echo $own');
    const [dollar, own] = result.stdout.toString().trim().split('\n');
    assert.match(dollar ?? '', /^\d+$/);
    assert.equal(dollar, own);
  });

  test('a command with a syntax error fails alone: the session runs the next command', async () => {
    const before = await serverOf(connection);
    const broken = await connection.exec('if then "unterminated');
    assert.equal(broken.rc, 2);
    assert.match(broken.stderr.toString(), /syntax error|unterminated|unexpected/i);
    assert.equal((await connection.exec('echo still here')).stdout.toString(), 'still here\n');
    assert.equal(await serverOf(connection), before);
  });

  test('a background job that keeps writing does not hold the command or reach a later command output', async () => {
    // The job writes once the test says so (the sshd is on this machine): it must still be running then.
    const go = join(mkdtempSync(join(tmpdir(), 'playtree-session-job-')), 'go');
    const started = await connection.exec(`(while [ ! -e '${go}' ]; do sleep 0.05; done; echo late; echo late >&2) & echo $!`);
    const job = started.stdout.toString().trim();
    assert.match(job, /^\d+$/);
    assert.ok(running(job), 'the command returned while its job still runs');
    writeFileSync(go, '');
    while (running(job)) await new Promise((resolve) => setTimeout(resolve, 50));
    rmSync(dirname(go), { recursive: true, force: true });
    const next = await connection.exec('echo next');
    assert.deepEqual([next.stdout.toString(), next.stderr.toString()], ['next\n', '']);
  });

  test('a command that removes the session folder still gets its output; later commands run on their own ssh command', async () => {
    const own = new SshConnection(options());
    try {
      const folder = await sessionFolder(own);
      assert.match(folder, /playtree-session\./);
      const removed = await own.exec(`rm -rf -- '${folder}'; echo removed`);
      assert.equal(removed.stdout.toString(), 'removed\n');
      const after = await own.exec('echo after; exit 3');
      assert.deepEqual([after.rc, after.stdout.toString()], [3, 'after\n']);
    } finally {
      await own.close();
    }
  });

  test('a SIGKILLed run: its session ends once the running command has, and its folder on the host goes', async () => {
    const work = mkdtempSync(join(tmpdir(), 'playtree-session-kill-'));
    const said = join(work, 'folder');
    const controlFolder = join(work, 'cp');
    mkdirSync(controlFolder);
    try {
      const vars = Object.entries(sshd.hostVars()).map(([key, value]) => `${key}='${value}'`);
      writeFileSync(join(work, 'hosts.ini'), `build1 ${vars.join(' ')}\n`);
      // fd 3 is the command's output file in the session's folder.
      const task = `readlink /proc/self/fd/3 3>&1 > ${said}.tmp; mv ${said}.tmp ${said}; sleep 1`;
      writeFileSync(join(work, 'play.yml'), `- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: "${task}"\n`);
      const run = spawn(process.execPath, [BIN, '-i', 'hosts.ini', 'play.yml'], {
        cwd: work,
        env: { ...process.env, ANSIBLE_SSH_CONTROL_PATH_DIR: controlFolder, PLAYTREE_NO_LIVE: '1' },
        stdio: 'ignore',
      });
      await waitFor(() => existsSync(said) || run.exitCode !== null, 'the task to say its session folder');
      run.kill('SIGKILL');
      const folder = dirname(readFileSync(said, 'utf8').trim());
      assert.match(folder, /playtree-session\./);
      await waitFor(() => !existsSync(folder), 'the session folder to go').catch(() => {});
      assert.equal(existsSync(folder), false);
    } finally {
      for (const pid of mastersIn(controlFolder)) process.kill(pid, 'SIGTERM');
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('closing the connection ends its session, which removes its folder on the host', async () => {
    const own = new SshConnection(options());
    const folder = await sessionFolder(own);
    assert.ok(existsSync(folder));
    await own.close();
    assert.equal(existsSync(folder), false);
  });
});
