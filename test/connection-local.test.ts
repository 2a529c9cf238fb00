import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { shellQuote } from '../src/core/shellQuote.js';
import { LocalConnection } from '../connections/local.js';
import { failingStream } from './support/treeConnectionCases.js';

const local = () => new LocalConnection({ host: 'h', vars: {}, config: {}, log: () => {} });

test('local exec takes a stream as stdin and delivers every byte', async () => {
  const data = Buffer.alloc(3_000_000, 7);
  const result = await local().exec('wc -c', { stdin: Readable.from([data.subarray(0, 1000), data.subarray(1000)]) });
  assert.equal(result.rc, 0);
  assert.equal(result.stdout.toString().trim(), '3000000');
});

test('local exec does not fail when the command stops reading its stdin stream early', async () => {
  const result = await local().exec('head -c 3; exit 4', { stdin: Readable.from([Buffer.alloc(2_000_000, 65)]) });
  assert.equal(result.rc, 4);
  assert.equal(result.stdout.toString(), 'AAA');
});

test('local exec returns exact bytes, rc and stderr', async () => {
  const result = await local().exec("printf 'a\\0b\\n\\n'; printf err >&2; exit 3");
  assert.equal(result.rc, 3);
  assert.deepEqual(result.stdout, Buffer.from('a\0b\n\n'));
  assert.equal(result.stderr.toString(), 'err');
});

test('local exec whose stdin stream fails midway stops the command before it sees the end of its input', async () => {
  const scratch = await mkdtemp(join(tmpdir(), 'playtree-local-'));
  try {
    const command = `cat > /dev/null && touch ${shellQuote(join(scratch, 'complete'))}`;
    await assert.rejects(local().exec(command, { stdin: failingStream() }), /h: could not send stdin to .*: disk read error$/);
    await sleep(200);
    assert.deepEqual(await readdir(scratch), []);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
});

test('local exec whose stdin stream fails stops what the command started too, not only its shell', async () => {
  const scratch = await mkdtemp(join(tmpdir(), 'playtree-local-'));
  try {
    // The subshell is a process of its own: killed with the shell alone, it would see EOF and go on.
    const command = `( cat > /dev/null; touch ${shellQuote(join(scratch, 'complete'))} ); :`;
    await assert.rejects(local().exec(command, { stdin: failingStream() }), /could not send stdin/);
    await sleep(200);
    assert.deepEqual(await readdir(scratch), []);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
});

test('a local command killed by a signal is a failed command with rc 128 + the signal, not an unreachable host', async () => {
  const result = await local().exec('echo before; kill -TERM $$');
  assert.equal(result.rc, 143);
  assert.equal(result.stdout.toString(), 'before\n');
});

test('local exec runs the shell named by ansible_executable, else ANSIBLE_EXECUTABLE, else ansible.cfg executable', async () => {
  const scratch = await mkdtemp(join(tmpdir(), 'playtree-local-shell-'));
  try {
    // Each fake shell says its own name, whatever command it is given.
    const shells: Record<string, string> = {};
    for (const name of ['from-vars', 'from-env', 'from-config']) {
      shells[name] = join(scratch, name);
      await writeFile(shells[name]!, `#!/bin/sh\nprintf ${name}\n`, { mode: 0o755 });
    }
    const cases: Array<[string, Record<string, unknown>, NodeJS.ProcessEnv, Record<string, Record<string, string>>, string]> = [
      ['all three set', { ansible_executable: shells['from-vars'] }, { ANSIBLE_EXECUTABLE: shells['from-env'] }, { defaults: { executable: shells['from-config']! } }, 'from-vars'],
      ['environment and config', {}, { ANSIBLE_EXECUTABLE: shells['from-env'] }, { defaults: { executable: shells['from-config']! } }, 'from-env'],
      ['config only', {}, {}, { defaults: { executable: shells['from-config']! } }, 'from-config'],
    ];
    for (const [label, vars, env, config, expected] of cases) {
      const connection = new LocalConnection({ host: 'h', vars, config, log: () => {} }, env);
      assert.equal((await connection.exec('echo real shell')).stdout.toString(), expected, label);
    }
    const plain = new LocalConnection({ host: 'h', vars: {}, config: {}, log: () => {} }, {});
    assert.equal((await plain.exec('echo real shell')).stdout.toString(), 'real shell\n', 'nothing set: /bin/sh');
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
});
