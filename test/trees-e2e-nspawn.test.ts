import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { release } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { probeHost } from '../connections/nspawnChecks.js';
import { realTreeSkipReason } from './support/imageTree.js';
import { TREE_FIXTURES, debugMessages, recap, runPlaytree, scratchWithTrees, type PlaytreeRun } from './support/cliOnTrees.js';

/** End to end through bin/playtree.js on a real Debian tree with the nspawn driver (issue 4). */

const skip = realTreeSkipReason();

describe('playtree CLI on an nspawn tree with the seed inventory', { skip }, () => {
  let tree = '';
  let remove = async () => {};
  let run: PlaytreeRun;
  before(async () => {
    const made = await scratchWithTrees(1);
    ({ remove } = made);
    tree = made.trees[0]!;
    const inventory = join(made.scratch, 'hosts.ini');
    await writeFile(inventory, `[nspawn]\n${tree} ansible_connection=nspawn ansible_python_interpreter=/usr/bin/python3\n`);
    run = await runPlaytree(made.scratch, ['-vvv', '-i', inventory, join(TREE_FIXTURES, 'seed.yml')]);
  });
  after(async () => remove());

  test("gathered facts describe the Debian tree, named as the tree's /etc/hostname says", () => {
    const treeHostname = readFileSync(join(tree, 'etc/hostname'), 'utf8').trim();
    assert.ok(
      debugMessages(run.stdout).includes(`facts Debian bookworm Debian ${treeHostname} ${release()}`),
      run.stdout,
    );
  });

  test('/proc inside nspawn shows the container processes only, with its own PID 1', () => {
    const line = debugMessages(run.stdout).find((m) => m.startsWith('processes '));
    const match = /^processes (\d+) init (\S+)$/.exec(line ?? '');
    assert.ok(match, `no processes line in:\n${run.stdout}`);
    assert.ok(Number(match[1]) > 0 && Number(match[1]) < 10, `expected a handful of processes, saw ${match[1]}`);
    assert.notEqual(match[2], 'systemd', 'PID 1 must be the container command, not the host init');
  });

  test('uname, os-release and hostname come from the kernel and the tree', () => {
    assert.ok(debugMessages(run.stdout).includes(`identity ${release()} | debian bookworm | ${basename(tree)}`), run.stdout);
  });

  test('a failing command is reported with its rc and stops the host; exit code 2', () => {
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stdout, new RegExp(`^fatal: \\[${tree.replace(/[/.]/g, '\\$&')}\\]: FAILED! => \\{`, 'm'));
    assert.match(run.stdout, /"rc": 2,/);
    assert.match(run.stdout, /"stderr": "failing",/);
    assert.ok(!debugMessages(run.stdout).includes('after the failure'));
    assert.deepEqual(
      { ok: recap(run.stdout, tree)['ok'], failed: recap(run.stdout, tree)['failed'], unreachable: recap(run.stdout, tree)['unreachable'] },
      { ok: 7, failed: 1, unreachable: 0 },
    );
  });

  test('-vvv shows the systemd-nspawn command lines sent, with the flags added for a host without a bus', () => {
    const quotedTree = tree.replace(/[/.]/g, '\\$&');
    // EXEC when each command gets its own container, START when one container serves the whole play.
    assert.match(run.stdout, new RegExp(`^<${quotedTree}> NSPAWN (?:EXEC|START) systemd-nspawn --directory\\\\=${quotedTree} --quiet --pipe --chdir\\\\=/ `, 'm'));
    // A command is the shell line alone when the container's command server runs it (persistent mode).
    assert.match(run.stdout, /NSPAWN EXEC (?:[^\n]* -- )?\/bin\/sh -c [^]*?cat \/proc\/1\/comm/);
    if (!probeHost().systemBus) {
      assert.match(run.stdout, /no system bus on this host .*: adding --register=no --keep-unit$/m);
      assert.match(run.stdout, /NSPAWN (?:EXEC|START) systemd-nspawn .* --register\\=no --keep-unit /);
    }
  });
});

describe('playtree CLI passes connection options to the nspawn driver', { skip }, () => {
  let scratch = '';
  let remove = async () => {};
  before(async () => {
    const made = await scratchWithTrees(2);
    ({ scratch, remove } = made);
    // One tree per host: a tree runs one container at a time.
    const [first, second] = made.trees as [string, string];
    await writeFile(
      join(scratch, 'hosts.ini'),
      [
        '[trees]',
        `byvar ansible_host=${first} ansible_connection=nspawn ansible_nspawn_args="--setenv=PT_FROM=var" ansible_executable=/bin/bash`,
        `byenv ansible_host=${second} ansible_connection=nspawn`,
        '',
      ].join('\n'),
    );
    await writeFile(join(scratch, 'ansible.cfg'), '[nspawn_connection]\nnspawn_args = --setenv=PT_FROM=cfg\n');
  });
  after(async () => remove());

  test('ansible_nspawn_args wins over ANSIBLE_NSPAWN_ARGS, which wins over ansible.cfg; ansible_executable and ansible_user apply', async () => {
    const run = await runPlaytree(scratch, ['-f', '2', '-i', 'hosts.ini', join(TREE_FIXTURES, 'options.yml')], {
      ANSIBLE_NSPAWN_ARGS: '--setenv=PT_FROM=env',
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const messages = debugMessages(run.stdout);
    assert.ok(messages.some((m) => /^byvar from=var shell=5\.\d+\S* user=builder$/.test(m)), messages.join('\n'));
    assert.ok(messages.includes('byenv from=env shell=not bash user=builder'), messages.join('\n'));
  });

  test('ansible.cfg [nspawn_connection] nspawn_args applies when neither variable nor environment is set', async () => {
    const run = await runPlaytree(scratch, ['-l', 'byenv', '-i', 'hosts.ini', join(TREE_FIXTURES, 'options.yml')]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(debugMessages(run.stdout).includes('byenv from=cfg shell=not bash user=builder'), run.stdout);
  });
});
