import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from './support/runCli.js';
import { ADDRESSES, mastersIn, sshdMissing, startSshd, waitFor, type TestSshd } from './support/sshd.js';

/*
 * Whole runs of the real command line over ssh, against a throw-away sshd on this machine (so the "remote"
 * files are in this test's temporary folder). Each run's masters live in its own control folder
 * (ANSIBLE_SSH_CONTROL_PATH_DIR), where they can be counted while the run goes and after it.
 */

const skip = sshdMissing();
const BIN = fileURLToPath(new URL('../../bin/playtree.js', import.meta.url));

/** The masters of a finished run: `ssh -O exit` was answered; the process may take a moment to go. */
async function mastersLeft(folder: string): Promise<number[]> {
  await waitFor(() => mastersIn(folder).length === 0, `the masters in ${folder} to exit`).catch(() => {});
  return mastersIn(folder);
}

function recap(stdout: string, host: string): string {
  return new RegExp(`^${host} +: (.*)$`, 'm').exec(stdout)?.[1]?.replace(/\s+/g, ' ').trim() ?? '';
}

if (skip) {
  test(`ssh command-line tests skipped: ${skip}`, { skip }, () => {});
} else {
  describe('playbooks over ansible_connection=ssh', () => {
    let sshd: TestSshd;
    let work = '';
    let remote = '';
    let controlDir = '';
    let env: Record<string, string> = {};

    /** An inventory line for `name` reaching the test sshd at `address`, with extra variables. */
    const hostLine = (name: string, address: string, extra: Record<string, string> = {}) =>
      `${name} ${Object.entries(sshd.hostVars(extra, address))
        .map(([key, value]) => `${key}='${value}'`)
        .join(' ')}`;

    before(async () => {
      sshd = await startSshd();
      work = mkdtempSync(join(tmpdir(), 'playtree-ssh-cli-'));
      remote = join(work, 'remote');
      controlDir = join(work, 'cp');
      mkdirSync(remote);
      env = { ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir };
    });
    after(async () => {
      await sshd?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    test('a play with command, copy, template, fetch, stat and file over ssh changes, then is ok on a second run, one master per host', async () => {
      const binary = randomBytes(3 * 1024 * 1024);
      const localName = 'données du test ファイル.bin';
      writeFileSync(join(work, localName), binary);
      writeFileSync(join(work, 'motd.j2'), 'built by {{ inventory_hostname }} on {{ ansible_host }}\n');
      writeFileSync(join(work, 'hosts.ini'), `[builders]\n${hostLine('build1', ADDRESSES[0]!)}\n${hostLine('build2', ADDRESSES[1]!)}\n`);
      writeFileSync(
        join(work, 'play.yml'),
        `- hosts: builders
  gather_facts: false
  vars:
    dir: "${remote}/{{ inventory_hostname }}"
  tasks:
    - file: path={{ dir }} state=directory mode=0755
    - copy: content="hello\\n" dest={{ dir }}/copied.txt
    - copy:
        src: "${join(work, localName)}"
        dest: "{{ dir }}/reçu avec espaces ファイル.bin"
    - template: src=${join(work, 'motd.j2')} dest={{ dir }}/motd
    - file: path={{ dir }}/motd mode=0640
    - stat: path={{ dir }}/motd
      register: motd
    - command: cat {{ dir }}/copied.txt
      register: copied
      changed_when: false
    - fetch: src={{ dir }}/motd dest=${join(work, 'fetched')}/
    - shell: "ps -eo args | grep -c '^ssh: ${controlDir}/'"
      register: masters
      changed_when: false
    - debug:
        msg: "mode={{ motd.stat.mode }} copied={{ copied.stdout }} masters={{ masters.stdout }}"
`,
      );
      const first = await runCli(['-i', 'hosts.ini', 'play.yml', '-f', '2'], { cwd: work, env });
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.equal(recap(first.stdout, 'build1'), 'ok=10 changed=6 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0');
      assert.match(first.stdout, /"msg": "mode=0640 copied=hello masters=2"/);
      for (const host of ['build1', 'build2']) {
        assert.deepEqual(readFileSync(join(remote, host, 'reçu avec espaces ファイル.bin')), binary);
        const address = host === 'build1' ? ADDRESSES[0] : ADDRESSES[1];
        assert.equal(readFileSync(join(work, 'fetched', host, remote, host, 'motd'), 'utf8'), `built by ${host} on ${address}\n`);
      }
      assert.deepEqual(await mastersLeft(controlDir), []);

      const second = await runCli(['-i', 'hosts.ini', 'play.yml', '-f', '2'], { cwd: work, env });
      assert.equal(second.code, 0, second.stdout + second.stderr);
      assert.equal(recap(second.stdout, 'build2'), 'ok=10 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0');
      assert.deepEqual(await mastersLeft(controlDir), []);
    });

    test('-f 2 runs two ssh hosts at the same time: each task waits for the other host to reach it', async () => {
      writeFileSync(join(work, 'pair.ini'), `[builders]\n${hostLine('build1', ADDRESSES[0]!)}\n${hostLine('build2', ADDRESSES[1]!)}\n`);
      // Run one host after the other, the first host's task would wait for the second in vain and fail.
      writeFileSync(
        join(work, 'meet.yml'),
        `- hosts: builders
  gather_facts: false
  tasks:
    - shell: |
        touch ${remote}/{{ inventory_hostname }}.here
        for i in $(seq 600); do [ -e ${remote}/build1.here ] && [ -e ${remote}/build2.here ] && exit 0; sleep 0.05; done
        exit 1
`,
      );
      const run = await runCli(['-i', 'pair.ini', 'meet.yml', '-f', '2'], { cwd: work, env });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(recap(run.stdout, 'build1'), 'ok=1 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0');
      assert.equal(recap(run.stdout, 'build2'), 'ok=1 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0');
    });

    test('hosts that cannot be reached are UNREACHABLE (exit 4) while the other host goes on in parallel', async () => {
      writeFileSync(
        join(work, 'mixed.ini'),
        [
          '[builders]',
          hostLine('good', ADDRESSES[0]!),
          hostLine('wrongkey', ADDRESSES[1]!, { ansible_ssh_private_key_file: sshd.wrongKey, ansible_ssh_extra_args: '-o IdentitiesOnly=yes' }),
          hostLine('unknownkey', ADDRESSES[1]!, { ansible_ssh_common_args: `-o UserKnownHostsFile=${sshd.emptyKnownHosts}` }),
          '',
        ].join('\n'),
      );
      writeFileSync(join(work, 'two.yml'), '- hosts: builders\n  gather_facts: false\n  tasks:\n    - command: echo one\n    - command: echo two\n');
      const run = await runCli(['-i', 'mixed.ini', 'two.yml', '-f', '3'], { cwd: work, env });
      assert.equal(run.code, 4, run.stdout + run.stderr);
      assert.equal(recap(run.stdout, 'good'), 'ok=2 changed=2 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0');
      assert.equal(recap(run.stdout, 'wrongkey'), 'ok=0 changed=0 unreachable=1 failed=0 skipped=0 rescued=0 ignored=0');
      assert.equal(recap(run.stdout, 'unknownkey'), 'ok=0 changed=0 unreachable=1 failed=0 skipped=0 rescued=0 ignored=0');
      assert.match(run.stdout, /fatal: \[wrongkey\]: UNREACHABLE! => .*Permission denied \(publickey\); check ansible_user and ansible_ssh_private_key_file/);
      assert.match(run.stdout, /fatal: \[unknownkey\]: UNREACHABLE! => .*host key of 127\.0\.0\.2 port \d+ is unknown .*set host_key_checking = False/);
      assert.deepEqual(await mastersLeft(controlDir), []);
    });

    test('a master killed between tasks is opened again by the next task, as ControlMaster=auto does', async () => {
      writeFileSync(join(work, 'one.ini'), `[builders]\n${hostLine('build1', ADDRESSES[0]!)}\n`);
      writeFileSync(
        join(work, 'killed.yml'),
        `- hosts: builders
  gather_facts: false
  tasks:
    - command: echo before
    - shell: "pkill -KILL -f '^ssh: ${controlDir}/'"
      delegate_to: localhost
    - command: echo after
      register: after
    - debug: var=after.stdout
`,
      );
      const run = await runCli(['-i', 'one.ini', 'killed.yml'], { cwd: work, env });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /"after.stdout": "after"/);
      assert.equal(recap(run.stdout, 'build1'), 'ok=4 changed=3 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0');
      assert.deepEqual(await mastersLeft(controlDir), []);
    });

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      test(`an interrupted run (${signal}) stops its remote command and closes its master before it exits 99`, async () => {
        const started = join(remote, `interrupted-started-${signal}`);
        writeFileSync(join(work, 'one.ini'), `[builders]\n${hostLine('build1', ADDRESSES[0]!)}\n`);
        writeFileSync(
          join(work, 'long.yml'),
          `- hosts: builders
  gather_facts: false
  tasks:
    - command: touch ${started}
    - shell: sleep 600.25 & sleep 600.5
`,
        );
        const sleeping = () => execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((line) => /^sleep 600\.(25|5)$/.test(line));
        const child = spawn(process.execPath, [BIN, '-i', 'one.ini', 'long.yml'], { cwd: work, env: { ...process.env, ...env, PLAYTREE_NO_LIVE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        try {
          await waitFor(() => (existsSync(started) && sleeping().length === 2) || child.exitCode !== null, 'the remote sleeps to run');
          assert.equal(mastersIn(controlDir).length, 1, `one master while the task runs (playtree said: ${output})`);
          child.kill(signal);
          assert.equal(await exited, 99);
          assert.deepEqual(await mastersLeft(controlDir), []);
          // Without a tty a closed channel stops nothing on the host: playtree stops the command's processes
          // itself, also the one it left in the background.
          await waitFor(() => sleeping().length === 0, 'the remote sleeps to be stopped').catch(() => {});
          assert.deepEqual(sleeping(), []);
        } finally {
          spawn('pkill', ['-f', '^sleep 600\\.']);
        }
      });
    }
  });
}
