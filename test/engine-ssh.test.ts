import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from './support/runCli.js';
import { mastersIn, sshdMissing, startSshd, waitFor, type TestSshd } from './support/sshd.js';

/*
 * How the engine drives the ssh connection: which variables make a fresh connection, the `port` keyword,
 * -T, `become` when ssh picks the user, and `meta: reset_connection`. Whole command-line runs against the
 * throw-away sshd on this machine; each run's masters live in its own control folder.
 */

const skip = sshdMissing();
const BIN = fileURLToPath(new URL('../../bin/playtree.js', import.meta.url));

const msgs = (stdout: string) => [...stdout.matchAll(/^ {4}"msg": "(.*)"$/gm)].map((match) => match[1]);

if (skip) {
  test(`engine ssh tests skipped: ${skip}`, { skip }, () => {});
} else {
  describe('the engine over ansible_connection=ssh', () => {
    let sshd: TestSshd;
    let work = '';
    let env: Record<string, string> = {};

    /** An inventory line for `name` reaching the test sshd, with variables added or left out (value undefined). */
    const hostLine = (name: string, change: Record<string, string | undefined> = {}) => {
      const vars: Record<string, string | undefined> = { ...sshd.hostVars(), ...change };
      const words = Object.entries(vars).filter(([, value]) => value !== undefined);
      return `${name} ${words.map(([key, value]) => `${key}='${value}'`).join(' ')}`;
    };

    /** The ps line of the run's masters, as a shell task on the "remote" host (this machine) prints it. */
    const mastersCommand = () => `ps -eo pid,args | grep '[s]sh: ${join(work, 'cp')}/' | awk '{print $1}'`;
    /** Once the run has ended, its masters exit (closed by it, or ending with their last session). */
    const expectNoMastersLeft = async () => {
      await waitFor(() => mastersIn(join(work, 'cp')).length === 0, 'the masters to exit').catch(() => {});
      assert.deepEqual(mastersIn(join(work, 'cp')), []);
    };

    before(async () => {
      sshd = await startSshd();
      work = mkdtempSync(join(tmpdir(), 'playtree-engine-ssh-'));
      mkdirSync(join(work, 'cp'));
      env = { ANSIBLE_SSH_CONTROL_PATH_DIR: join(work, 'cp') };
    });
    after(async () => {
      await sshd?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    test("meta: reset_connection stops the host's ssh master: the next task logs in through a new one", async () => {
      writeFileSync(join(work, 'reset.ini'), `${hostLine('build1')}\n`);
      // The "remote" host is this machine: a task can list the run's master processes itself.
      const masters = mastersCommand();
      writeFileSync(
        join(work, 'reset.yml'),
        `- hosts: all
  gather_facts: false
  tasks:
    - { shell: "${masters}", register: one }
    - { shell: "${masters}", register: two }
    - meta: reset_connection
    - { shell: "${masters}", register: three }
    - debug: { msg: "{{ one.stdout == two.stdout }} {{ two.stdout != three.stdout }} {{ three.stdout_lines | length }}" }
`,
      );
      const run = await runCli(['-i', 'reset.ini', 'reset.yml'], { cwd: work, env });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(msgs(run.stdout), ['True True 1']);
      // The master opened after the reset is the run's too: closed when the run ends.
      await expectNoMastersLeft();
    });

    test('meta: reset_connection in a later play, before the host ran any task there, stops the master an earlier play left', async () => {
      writeFileSync(join(work, 'later.ini'), `${hostLine('build1')}\n`);
      const masters = mastersCommand();
      writeFileSync(
        join(work, 'later.yml'),
        `- hosts: all
  gather_facts: false
  tasks:
    - { shell: "${masters}", register: one }
- hosts: all
  gather_facts: false
  tasks:
    - meta: reset_connection
    - { shell: "${masters}", register: two }
    - debug: { msg: "{{ one.stdout != two.stdout }} {{ two.stdout_lines | length }}" }
`,
      );
      const run = await runCli(['-i', 'later.ini', 'later.yml'], { cwd: work, env });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(msgs(run.stdout), ['True 1']);
      await expectNoMastersLeft();
    });

    const gone = (pid: string) => !existsSync(`/proc/${pid}`);

    /** Two inventory names for one address and one set of ssh settings: one master for both. */
    const twinsWithReset = (tasksAfterReset: string) => {
      writeFileSync(join(work, 'twins.ini'), `${hostLine('one')}\n${hostLine('two')}\n`);
      writeFileSync(join(work, 'reset-one.yml'), '- meta: reset_connection\n');
      writeFileSync(
        join(work, 'twins.yml'),
        `- hosts: all
  gather_facts: false
  tasks:
    - { shell: "${mastersCommand()}", register: first }
    - include_tasks: reset-one.yml
      when: inventory_hostname == 'one'
${tasksAfterReset}`,
      );
    };

    test('reset_connection on one of two hosts sharing a master: the replacement the other host opens is closed at the end, no socket left', async () => {
      // Only `two` runs after the reset: its next command starts the replacement master (ControlMaster=auto).
      twinsWithReset(`    - { shell: "${mastersCommand()}", register: second, when: inventory_hostname == 'two' }
    - debug: { msg: "{{ first.stdout }} {{ second.stdout }}" }
      when: inventory_hostname == 'two'
`);
      const run = await runCli(['-i', 'twins.ini', 'twins.yml', '-f', '2'], { cwd: work, env });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const [pids] = msgs(run.stdout);
      const [old, replacement, ...more] = (pids ?? '').split(' ');
      assert.ok(old && replacement && old !== replacement && more.length === 0, `one master, then one replacement: ${pids}`);
      await waitFor(() => gone(old) && gone(replacement), 'both masters to exit').catch(() => {});
      assert.deepEqual([gone(old), gone(replacement)], [true, true]);
      assert.deepEqual(readdirSync(join(work, 'cp')), []);
    });

    test('reset_connection on one of two hosts sharing a master, then SIGINT: the replacement master is closed before exit 99', async () => {
      const started = join(work, 'twin-started');
      twinsWithReset(`    - { shell: "touch ${started}; sleep 600.75", when: inventory_hostname == 'two' }
`);
      const child = spawn(process.execPath, [BIN, '-i', 'twins.ini', 'twins.yml', '-f', '2'], { cwd: work, env: { ...process.env, ...env, PLAYTREE_NO_LIVE: '1' }, stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        await waitFor(() => existsSync(started) || child.exitCode !== null, 'the sleep after the reset to start');
        const replacement = mastersIn(join(work, 'cp'));
        assert.equal(replacement.length, 1);
        child.kill('SIGINT');
        assert.equal(await exited, 99);
        await waitFor(() => gone(String(replacement[0])), 'the replacement master to exit').catch(() => {});
        assert.equal(gone(String(replacement[0])), true);
        assert.deepEqual(readdirSync(join(work, 'cp')), []);
      } finally {
        child.kill('SIGKILL');
        // Only when playtree failed to stop it: the remote sleep, by its exact command line.
        for (const line of execFileSync('ps', ['-eo', 'pid=,args=']).toString().split('\n')) {
          if (/^\s*\d+ sleep 600\.75$/.test(line)) process.kill(Number(line.trim().split(' ')[0]), 'SIGTERM');
        }
      }
    });

    test('a task whose vars change ansible_ssh_extra_args or the private key gets a fresh ssh connection with them; -T reaches ssh as ConnectTimeout', async () => {
      writeFileSync(join(work, 'args.ini'), `${hostLine('build1')}\n`);
      writeFileSync(join(work, 'same key'), '');
      writeFileSync(
        join(work, 'args.yml'),
        `- hosts: all
  gather_facts: false
  tasks:
    - command: echo plain
    - command: echo extra
      vars:
        ansible_ssh_extra_args: -o ServerAliveInterval=17
    - command: echo key
      vars:
        ansible_private_key_file: "{{ ansible_ssh_private_key_file }}"
        ansible_ssh_private_key_file: "${sshd.userKey}"
        ansible_ssh_common_args: -o UserKnownHostsFile="${sshd.knownHosts}" -o ServerAliveCountMax=5
`,
      );
      const run = await runCli(['-i', 'args.ini', 'args.yml', '-vvv', '-T', '7'], { cwd: work, env });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      // -vvv's ssh command line of the task (shell-quoted: backslashes dropped), up to the remote command.
      const execOf = (word: string) => run.stdout.split('SSH: EXEC').find((chunk) => chunk.includes(`echo ${word}`))?.replaceAll('\\', '') ?? '';
      assert.match(execOf('plain'), /ConnectTimeout=7/);
      assert.doesNotMatch(execOf('plain'), /ServerAliveInterval/);
      assert.match(execOf('extra'), /ServerAliveInterval=17/);
      assert.match(execOf('key'), /ServerAliveCountMax=5/);
      assert.doesNotMatch(execOf('key'), /ServerAliveInterval/);
    });

    test('the port keyword gives ssh its port where the host sets no ansible_port; a host ansible_port wins over it', async () => {
      writeFileSync(
        join(work, 'port.ini'),
        `${hostLine('byword', { ansible_port: undefined, play_port: String(sshd.port) })}\n${hostLine('byvar', { play_port: '1' })}\n`,
      );
      writeFileSync(
        join(work, 'port.yml'),
        `- hosts: all
  gather_facts: false
  port: "{{ play_port }}"
  tasks:
    - command: echo reached
      register: r
    - debug: { msg: "{{ inventory_hostname }} {{ r.stdout }}" }
`,
      );
      const run = await runCli(['-i', 'port.ini', 'port.yml', '-f', '1'], { cwd: work, env });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(msgs(run.stdout), ['byword reached', 'byvar reached']);
    });

    test('become over ssh with no ansible_user switches user even to root: the ssh client picks the login user, as with Ansible', async () => {
      writeFileSync(join(work, 'become.ini'), `${hostLine('named')}\n${hostLine('unnamed', { ansible_user: undefined })}\n`);
      writeFileSync(
        join(work, 'become.yml'),
        `- hosts: all
  gather_facts: false
  become: true
  become_method: su
  tasks:
    - shell: ps -o comm= -p $PPID
      register: parent
    - debug: { msg: "{{ inventory_hostname }} {{ parent.stdout }}" }
`,
      );
      const run = await runCli(['-i', 'become.ini', 'become.yml', '-f', '1'], { cwd: work, env });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const [named, unnamed] = msgs(run.stdout);
      assert.notEqual(named, 'named su');
      assert.equal(unnamed, 'unnamed su');
    });
  });
}
