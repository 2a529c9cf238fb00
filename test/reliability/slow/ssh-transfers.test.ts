/**
 * Slow reliability case (`npm run test:slow`): a 1 GiB random file copied over ssh to a throw-away sshd on
 * this machine, checksummed there and fetched back through the CLI. The bytes must come back bit-exact
 * (sha256) and playtree's peak RSS, measured by GNU time, must stay under 200 MB: the file is streamed through
 * ssh, never held whole.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { runCliMeasured, type MeasuredCliRun } from '../../support/runCli.js';
import { sshdMissing, startSshd, type TestSshd } from '../../support/sshd.js';

const run = promisify(execFile);
const skip = sshdMissing();
const GIB = 1024 * 1024 * 1024;
const MAX_KB = 200 * 1024;

const PLAYBOOK = `- hosts: builders
  gather_facts: false
  tasks:
    - name: Copy the big file to the build host
      copy:
        src: "{{ big }}"
        dest: "{{ remote }}/big file ünï.bin"
    - name: Its sha256 there
      stat:
        path: "{{ remote }}/big file ünï.bin"
        checksum_algorithm: sha256
      register: st
    - assert:
        that: st.stat.checksum == sent
    - name: Fetch it back
      fetch:
        src: "{{ remote }}/big file ünï.bin"
        dest: "{{ fetched }}"
        flat: true
`;

async function sha256sum(path: string): Promise<string> {
  const { stdout } = await run('sha256sum', ['--', path]);
  return stdout.split(' ')[0]!;
}

describe('a 1 GiB file round trip over ssh', { skip }, () => {
  let sshd: TestSshd;
  let scratch = '';
  let sent = '';
  let measured: MeasuredCliRun;

  before(async () => {
    sshd = await startSshd();
    scratch = await mkdtemp(join(tmpdir(), 'playtree-ssh-slow-'));
    await run('sh', ['-c', 'head -c "$1" /dev/urandom > "$2"', 'sh', String(GIB), join(scratch, 'big.bin')]);
    sent = await sha256sum(join(scratch, 'big.bin'));
    // Without -C: random bytes do not compress, and zlib on both ends of one machine is the slow part.
    const vars = Object.entries(sshd.hostVars({ ansible_ssh_args: '-o ControlMaster=auto -o ControlPersist=60s' }))
      .map(([key, value]) => `${key}='${value}'`)
      .join(' ');
    await writeFile(join(scratch, 'hosts.ini'), `[builders]\nbuild1 ${vars}\n`);
    await writeFile(join(scratch, 'site.yml'), PLAYBOOK);
    const extra = JSON.stringify({ big: join(scratch, 'big.bin'), remote: scratch, fetched: join(scratch, 'fetched.bin'), sent });
    measured = await runCliMeasured(['-i', 'hosts.ini', '-e', extra, 'site.yml'], { cwd: scratch, timeFile: join(scratch, 'time.txt') });
  });
  after(async () => {
    await sshd?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  test('the run copies, checksums and fetches the 1 GiB file over ssh', () => {
    assert.equal(measured.code, 0, measured.stdout + measured.stderr);
    assert.match(measured.stdout, /build1 +: ok=4 +changed=2 .*failed=0/);
  });

  test('the copied and the fetched file have the sent sha256', async () => {
    const copied = join(scratch, 'big file ünï.bin');
    assert.equal((await stat(copied)).size, GIB);
    assert.equal(await sha256sum(copied), sent, 'on the build host');
    assert.equal(await sha256sum(join(scratch, 'fetched.bin')), sent, 'fetched back');
  });

  test("playtree's peak RSS stays under 200 MB while moving 1 GiB over ssh", (t) => {
    t.diagnostic(`peak RSS ${measured.peakKb} KB`);
    assert.ok(measured.peakKb > 0, 'GNU time measured the run');
    assert.ok(measured.peakKb < MAX_KB, `peak RSS ${measured.peakKb} KB`);
  });
});
