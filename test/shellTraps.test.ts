import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cleanupOnExit } from '../src/core/shellTraps.js';
import { shellQuote } from '../src/core/shellQuote.js';

/*
 * cleanupOnExit run by the real /bin/sh: the clean-up runs however the script ends, and a second signal
 * arriving while the first one's clean-up starts cannot skip it.
 */

const folder = mkdtempSync(join(tmpdir(), 'playtree-traps-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** Run `body` after the traps; the clean-up appends a line to a log. Returns the exit code and the log. */
function runWithCleanup(name: string, body: string): { code: number | null; log: string } {
  const log = join(folder, name);
  const script = `${cleanupOnExit(`echo cleaned >> ${shellQuote(log)}`)}\n${body}`;
  const result = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    // No clean-up ran.
  }
  return { code: result.status, log: text };
}

test('the clean-up runs once at a normal end and once on an error exit', () => {
  assert.deepEqual(runWithCleanup('end', 'true'), { code: 0, log: 'cleaned\n' });
  assert.deepEqual(runWithCleanup('error', 'exit 3'), { code: 3, log: 'cleaned\n' });
});

test('a script stopped by SIGTERM, SIGINT or SIGHUP runs its clean-up and exits as the shell would (128 + the signal)', () => {
  for (const [signal, code] of [['TERM', 143], ['INT', 130], ['HUP', 129]] as const) {
    const run = runWithCleanup(`signal-${signal}`, `kill -${signal} $$; sleep 5; echo never`);
    assert.equal(run.code, code, signal);
    assert.equal(run.log, 'cleaned\n', signal);
  }
});

test('a second SIGTERM while the first one is handled still leaves the clean-up done', () => {
  // The clean-up's first step sends the signal once more, the case of an interrupted playtree whose SIGTERM
  // reaches a command twice: the shell takes it before the clean-up's next command. With the clean-up in the
  // EXIT trap alone, that second signal ended the shell before its `echo`.
  const log = join(folder, 'twice');
  const sent = join(folder, 'sent-again');
  const again = `if [ ! -e ${shellQuote(sent)} ]; then : > ${shellQuote(sent)}; kill -TERM $$; fi`;
  const script = `${cleanupOnExit(`${again}; echo cleaned >> ${shellQuote(log)}`)}\nkill -TERM $$; sleep 5`;
  const result = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(result.status, 143);
  assert.match(readFileSync(log, 'utf8'), /^(cleaned\n)+$/);
});
