/**
 * The user and group modules' read of the account databases (accountDatabase.ts) starts three getent programs and
 * nothing else: tags and fields are the shell's work. Read-only, through the local connection, of this host's root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LocalConnection } from '../connections/local.js';
import { readAccounts } from '../modules/accountDatabase.js';
import { ConnectionTarget } from '../src/engine/target.js';
import { withTempDir } from './support/moduleRun.js';
import { programsRun } from './support/programsRun.js';

const run = promisify(execFile);

test("an account read runs getent three times (no sed or cut) and gives the same passwd, shadow, group and home facts", { skip: process.getuid?.() !== 0 ? 'the shadow entry needs root' : undefined }, () =>
  withTempDir(async (dir) => {
    const target = new ConnectionTarget(new LocalConnection({ host: 'localhost', vars: {}, config: {}, log: () => {} }));
    let state: Awaited<ReturnType<typeof readAccounts>> | undefined;
    const programs = await programsRun(dir, async () => {
      state = await readAccounts(target, 'root');
    }, ['getent', 'sed', 'cut']);
    assert.deepEqual(programs, ['getent', 'getent', 'getent']);
    const passwd = (await run('getent', ['passwd', 'root'])).stdout.trim().split(':');
    const shadow = (await run('getent', ['shadow', 'root'])).stdout.trim().split(':');
    const groups = (await run('getent', ['group'])).stdout.trim().split('\n');
    const days = (field: string | undefined) => (field ? Number(field) : -1);
    assert.deepEqual(state!.user, { name: 'root', uid: 0, gid: 0, comment: passwd[4], home: passwd[5], shell: passwd[6] });
    assert.deepEqual([state!.passwordHash, state!.passwordMinDays, state!.passwordMaxDays, state!.expiresDays], [shadow[1], days(shadow[3]), days(shadow[4]), days(shadow[7])]);
    assert.deepEqual(state!.groups.map((group) => group.name), groups.map((line) => line.split(':')[0]));
    assert.equal(state!.homeExists, true);
    assert.deepEqual(state!.missingTools, []);
  }));
