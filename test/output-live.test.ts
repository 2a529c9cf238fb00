import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { shellJoin } from '../src/core/shellQuote.js';

const BIN = fileURLToPath(new URL('../../bin/playtree.js', import.meta.url));

/** The built CLI on a pseudo-terminal (`script`), so the live view draws; killed after 60 s so a hang fails. */
function runOnTerminal(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ANSIBLE_') && name !== 'PLAYTREE_NO_LIVE'));
  const command = shellJoin([process.execPath, BIN, ...args]);
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', `stty cols 120 rows 40; exec ${command}`, '/dev/null'], { cwd, env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: Buffer.concat(chunks).toString() });
    });
  });
}

test('the live view ends a play that finishes before it has drawn its host lines (no tasks, or one quick task)', async () => {
  const work = await mkdtemp(join(tmpdir(), 'playtree-live-'));
  try {
    await writeFile(join(work, 'hosts.ini'), 'a ansible_connection=local\nb ansible_connection=local\n');
    await writeFile(join(work, 'empty.yml'), '- hosts: all\n  gather_facts: false\n  tasks: []\n');
    await writeFile(join(work, 'quick.yml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: "true"\n');
    for (const playbook of ['empty.yml', 'quick.yml']) {
      const run = await runOnTerminal(['-i', 'hosts.ini', playbook], work);
      assert.equal(run.code, 0, `${playbook}: ${run.output.slice(-2000)}`);
      assert.match(run.output, /PLAY RECAP/, playbook);
      // The view's own per-host tally line, which the text layout never prints.
      assert.match(run.output, /a: ok=\d+ changed=\d+ failed=0 skipped=0/, playbook);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
