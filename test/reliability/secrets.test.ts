/**
 * The secrets reliability suite. One play (test/reliability/secrets/site.yml) handles a secret — a marker
 * made afresh for each run and given only by `-e` — in no_log tasks of many kinds: argv and stdin of
 * command/shell, copy content=, template, lineinfile, script, uri, get_url, unarchive, a loop, set_fact,
 * debug, includes, a block, a whole play, handlers, failures (rescued, ignored and fatal). It runs through
 * the built CLI on a real tree at every verbosity, with --json, --diff, in the live view (under a pty) and
 * through every tree connection: the marker must appear nowhere in stdout or stderr, while the tree gets
 * the secret where the play puts it. Afterwards no temporary file is left in the tree or in the
 * controller's TMPDIR. secret-temp-files.test.ts watches the temporary files while they hold content.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { shellJoin } from '../../src/core/shellQuote.js';
import { copyTestTree, realTreeSkipReason } from '../support/imageTree.js';
import { runCli, type CliRun } from '../support/runCli.js';

const run = promisify(execFile);
const skip = realTreeSkipReason();
const BIN = fileURLToPath(new URL('../../../bin/playtree.js', import.meta.url));
const SITE = fileURLToPath(new URL('../../../test/reliability/secrets/site.yml', import.meta.url));
const CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

interface Env {
  tree: string;
  work: string;
  /** The controller's private TMPDIR for the runs: must be empty after each. */
  tmp: string;
  secret: string;
  extraVars: string;
  remove: () => Promise<void>;
  server: Server;
}

/** Names under the tree's temporary folders and every `*playtree*` name in it, to compare before and after. */
async function treeLeftovers(tree: string): Promise<string[]> {
  const found = await run('find', [tree, '-xdev', '(', '-name', '*playtree*', '-o', '-path', `${tree}/tmp/*`, '-o', '-path', `${tree}/var/tmp/*`, '-o', '-path', `${tree}/run/*`, ')', '-print']);
  return found.stdout.split('\n').filter(Boolean).map((path) => path.slice(tree.length)).sort();
}

function assertNoSecret(env: Env, output: CliRun, mode: string): void {
  for (const [stream, text] of [['stdout', output.stdout], ['stderr', output.stderr]] as const) {
    const lines = text.split('\n').filter((line) => line.includes(env.secret));
    assert.deepEqual(lines, [], `the secret shows in ${stream} (${mode})`);
  }
}

describe('secrets: no_log hides the secret in every output mode', { skip }, () => {
  let env: Env;
  let baseline: string[];

  before(async () => {
    const copy = await copyTestTree();
    const work = join(copy.scratch, 'work');
    const tmp = join(copy.scratch, 'tmp');
    await Promise.all([mkdir(work), mkdir(tmp)]);
    const secret = `pt-secret-${randomBytes(6).toString('hex')}`;
    // The controller-side modules (uri, get_url) fetch the secret from here.
    const server = createServer((_request, response) => response.end(`${secret}\n`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await mkdir(join(copy.scratch, 'archive'));
    await writeFile(join(copy.scratch, 'archive', 'secret.txt'), `${secret}\n`);
    const archive = join(copy.scratch, 'secret.tar');
    await run('tar', ['-cf', archive, '-C', join(copy.scratch, 'archive'), 'secret.txt']);
    await writeFile(join(work, 'hosts.ini'), `[trees]\n${copy.tree} ansible_connection=nspawn\n`);
    await writeFile(join(work, 'ansible.cfg'), '');
    env = { tree: copy.tree, work, tmp, secret, extraVars: `secret=${secret} port=${port} archive=${archive}`, remove: copy.remove, server };
    baseline = await treeLeftovers(copy.tree);
  });

  after(async () => {
    env?.server.close();
    await env?.remove();
  });

  /** The play through the CLI, without a terminal; `extra` adds options. */
  async function play(extra: string[]): Promise<CliRun> {
    const output = await runCli(['-i', 'hosts.ini', SITE, '-e', env.extraVars, ...extra], {
      cwd: env.work,
      env: { ANSIBLE_CONFIG: join(env.work, 'ansible.cfg'), TMPDIR: env.tmp },
    });
    assert.deepEqual(await readdir(env.tmp), [], 'the controller TMPDIR is empty after the run');
    return output;
  }

  const inTree = (path: string) => readFile(join(env.tree, path), 'utf8');
  const modeInTree = async (path: string) => ((await stat(join(env.tree, path))).mode & 0o7777).toString(8);

  test('text output: the secret reaches the tree and is printed nowhere; the run ends with the fatal no_log failure', async () => {
    const output = await play([]);
    assertNoSecret(env, output, 'verbosity 0');
    assert.equal(output.code, 2, output.stdout + output.stderr);
    assert.match(output.stdout, new RegExp(`fatal: \\[[^\\]]+\\]: FAILED! => \\{"censored": "${CENSORED}", "changed": true\\}`));
    assert.match(output.stdout, /changed: \[[^\]]+\] => \(item=None\)\n/);
    assert.match(output.stdout, /FAILED - RETRYING: \[[^\]]+\]: retried with the secret, then ignored \(1 retries left\)\./);
    assert.match(output.stdout, / : ok=\d+ +changed=\d+ +unreachable=0 +failed=1 +skipped=0 +rescued=2 +ignored=4 /);
    const s = env.secret;
    assert.equal(await inTree('root/secret-stdin'), `${s}\n`);
    for (const path of ['etc/secret-copy', 'root/secret-download']) {
      assert.equal(await inTree(path), `${s}\n`, path);
      assert.equal(await modeInTree(path), '600', path);
    }
    assert.equal(await inTree('etc/secret-template'), `secret=${s}\n`);
    assert.equal(await inTree('etc/secret-line'), `token=${s}\n`);
    assert.equal(await modeInTree('etc/secret-line'), '600');
    assert.equal(await inTree('root/unpacked/secret.txt'), `${s}\n`);
    assert.equal(await inTree('root/secret-included'), `${s}-included\n${s}-looped\n`);
    for (const path of ['root/secret-script', 'root/secret-block', 'root/secret-handler', 'root/secret-play', 'root/secret-play-handler']) {
      assert.equal(await inTree(path), `${s}\n`, path);
    }
    // The script module's copy of the script and its folder, seen by the script itself while it ran.
    assert.equal(await inTree('root/script-temp-modes'), '700\n700\n');
  });

  test('-v prints censored results only', async () => {
    const output = await play(['-v']);
    assertNoSecret(env, output, '-v');
    assert.match(output.stdout, new RegExp(`=> \\{"censored": "${CENSORED}", "changed": (true|false)\\}`));
  });

  test('-vvvv prints no command line, stdin or result of a no_log task', async () => {
    const output = await play(['-vvvv']);
    assertNoSecret(env, output, '-vvvv');
    // The commands of the tasks without no_log are still shown.
    assert.match(output.stdout, /NSPAWN EXEC/);
  });

  test('--json holds the censored results, with changed and failed', async () => {
    const output = await play(['--json']);
    assertNoSecret(env, output, '--json');
    const doc = JSON.parse(output.stdout) as { plays: Array<{ tasks: Array<{ task: { name: string }; hosts: Record<string, Record<string, unknown>> }> }> };
    const results = new Map(doc.plays.flatMap((p) => p.tasks).map((t) => [t.task.name, Object.values(t.hosts)[0]]));
    assert.deepEqual(results.get('secret in argv'), { censored: CENSORED, changed: true, status: 'changed' });
    assert.deepEqual(results.get('a fatal secret failure'), { censored: CENSORED, changed: true, failed: true, status: 'failed' });
    assert.equal(results.get('a loop over secret items')?.['censored'], CENSORED);
  });

  test('--diff shows no diff of a no_log file task, also in check mode', async () => {
    await writeFile(join(env.tree, 'etc/secret-copy'), 'an older content\n');
    const checked = await play(['--diff', '--check']);
    assertNoSecret(env, checked, '--diff --check');
    assert.doesNotMatch(checked.stdout, /^\+\+\+ /m);
    const output = await play(['--diff']);
    assertNoSecret(env, output, '--diff');
    assert.equal(await inTree('etc/secret-copy'), `${env.secret}\n`);
  });

  test('the live view (stdout a terminal) shows no secret, also in the failure it prints', async () => {
    // `script` gives playtree a pty, so the live view is really used; 200 columns keep lines whole.
    const command = shellJoin([process.execPath, BIN, '-i', 'hosts.ini', SITE, '-e', env.extraVars]);
    const output = await new Promise<CliRun>((resolve, reject) => {
      const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ANSIBLE_') && name !== 'PLAYTREE_NO_LIVE'));
      const child = spawn('script', ['-qfec', `stty cols 200 rows 50; exec ${command}`, '/dev/null'], {
        cwd: env.work,
        env: { ...clean, ANSIBLE_CONFIG: join(env.work, 'ansible.cfg'), TMPDIR: env.tmp },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    });
    assertNoSecret(env, output, 'live view');
    // listr2's per-host line, which only the live view draws.
    assert.match(output.stdout, /: (task|handler) \[[^\]]+\]/);
    assert.match(output.stdout, /FAILED! => \{"censored"/);
    assert.equal(output.code, 2);
  });

  test('-vvvv through chroot and through per-command nspawn containers prints no secret', async () => {
    for (const connection of [['-e', 'ansible_connection=chroot'], ['-e', 'ansible_nspawn_persistent=false']]) {
      const output = await play(['-vvvv', ...connection]);
      assertNoSecret(env, output, `-vvvv ${connection[1]}`);
      assert.equal(output.code, 2, output.stdout + output.stderr);
    }
  });

  test('no temporary file is left in the tree (its /tmp, /var/tmp, /run, beside written files) after all the runs', async () => {
    assert.deepEqual(await treeLeftovers(env.tree), baseline);
  });
});
