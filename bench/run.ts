import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { benchPlaybook, TEMPLATE } from './playbooks.js';
import { commandsPerTask, runPlaytree, type RunFigures } from './measure.js';
import { againstAnsibleReport, measureAgainstAnsible } from './againstAnsible.js';
import { measureRoundTrips, roundTripReport } from './roundTrips.js';
import { measureScaling, scalingReport } from './scaling.js';
import { measureOverSsh, overSshReport } from './overSsh.js';
import { measureStartup, startupReport } from './startup.js';

/*
 * npm run bench: the same image-building playbooks (10 and 110 tasks) through local (a scratch folder),
 * chroot, nspawn per-command and nspawn persistent, each run on a fresh copy of the real Debian test tree.
 * Then the 30-task playbook against ansible-playbook (bench/againstAnsible.ts), start-up (bench/startup.ts), the scaling table (bench/scaling.ts) and the round trips per module
 * (bench/roundTrips.ts). Prints a Markdown report (the README's "Speed" section holds the latest one).
 * Then the playbooks over ssh to this machine, beside ansible-playbook's ssh (bench/overSsh.ts).
 * BENCH_REPEAT=N keeps the best of N; BENCH_ONLY=connections,ansible,startup,scaling,modules,ssh runs some parts only.
 */

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PLAYTREE = join(REPO, 'bin/playtree.js');
const TREE_SCRIPT = join(REPO, 'scripts/test-tree.sh');
const REPEAT = Math.max(1, Number(process.env['BENCH_REPEAT'] ?? 2));
const PARTS = (process.env['BENCH_ONLY'] ?? 'connections,ansible,startup,scaling,modules,ssh').split(',');
const STARTUP_RUNS = 20;

interface Mode {
  name: string;
  /** Inventory line for the host; `target` is the tree (or the local scratch root). */
  inventory: (target: string) => string;
  /** Paths in the playbook are prefixed with this (the local connection works on a scratch folder). */
  local: boolean;
}

const MODES: Mode[] = [
  { name: 'local (scratch folder)', inventory: () => 'localhost ansible_connection=local', local: true },
  { name: 'chroot', inventory: (tree) => `${tree} ansible_connection=chroot`, local: false },
  { name: 'nspawn per-command', inventory: (tree) => `${tree} ansible_connection=nspawn ansible_nspawn_persistent=false`, local: false },
  { name: 'nspawn persistent', inventory: (tree) => `${tree} ansible_connection=nspawn`, local: false },
];

interface ModeFigures {
  mode: string;
  small: RunFigures;
  large: RunFigures;
}

async function measureMode(mode: Mode, scratch: string, blocks: number): Promise<RunFigures> {
  let best: RunFigures | undefined;
  for (let attempt = 0; attempt < REPEAT; attempt++) {
    const target = join(scratch, `target-${attempt}`);
    await rm(target, { recursive: true, force: true });
    if (mode.local) await mkdir(target, { recursive: true });
    else await run(TREE_SCRIPT, ['--copy', target], { maxBuffer: 16 * 1024 * 1024 });
    await writeFile(join(scratch, 'hosts.ini'), `${mode.inventory(target)}\n`);
    const root = mode.local ? target : '';
    const figures = await runPlaytree(
      PLAYTREE,
      ['-vvv', '-i', join(scratch, 'hosts.ini'), '-e', JSON.stringify({ root }), join(scratch, `play-${blocks * 10}.yml`)],
      join(scratch, 'rusage'),
    );
    if (figures.exitCode !== 0) {
      throw new Error(`${mode.name}, ${blocks * 10} tasks: playtree exited ${figures.exitCode}:\n${figures.output.split('\n').slice(-30).join('\n')}`);
    }
    if (!best || figures.seconds < best.seconds) best = figures;
    await rm(target, { recursive: true, force: true });
  }
  return best!;
}

/**
 * The connections part's playbooks: 1 and LARGE_BLOCKS blocks of ten tasks. Their difference, 100 tasks, gives
 * the per-task cost; with 40 (a 50-task run), a few tens of ms of noise in one run moved it by 1 ms or more.
 */
const LARGE_BLOCKS = 11;
const EXTRA_TASKS = (LARGE_BLOCKS - 1) * 10;

function perTaskMs(figures: ModeFigures): number {
  return ((figures.large.seconds - figures.small.seconds) * 1000) / EXTRA_TASKS;
}

function connectionsReport(results: ModeFigures[]): string[] {
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform}, node ${process.version}, best of ${REPEAT} run(s), each on a fresh tree copy; commands counted at -vvv.`,
    '',
    `| connection | 10 tasks (s) | ${EXTRA_TASKS + 10} tasks (s) | per task (ms) | commands per task | peak memory, ${EXTRA_TASKS + 10} tasks (MB) |`,
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const figures of results) {
    const commands = (figures.large.commands - figures.small.commands) / EXTRA_TASKS;
    lines.push(
      `| ${figures.mode} | ${figures.small.seconds.toFixed(2)} | ${figures.large.seconds.toFixed(2)} | ${perTaskMs(figures).toFixed(1)} | ${commands.toFixed(2)} | ${figures.large.peakMb.toFixed(0)} |`,
    );
  }
  const byName = (name: string) => results.find((figures) => figures.mode === name)!;
  const chroot = byName('chroot');
  const perCommand = byName('nspawn per-command');
  const persistent = byName('nspawn persistent');
  const local = byName('local (scratch folder)');
  lines.push(
    '',
    `- nspawn persistent per task / chroot per task: ${(perTaskMs(persistent) / perTaskMs(chroot)).toFixed(2)}× (target ≤ 1.5×)`,
    `- nspawn per-command / nspawn persistent, ${EXTRA_TASKS + 10}-task run: ${(perCommand.large.seconds / persistent.large.seconds).toFixed(1)}× faster (target ≥ 5×)`,
    `- nspawn per-command per task / nspawn persistent per task: ${(perTaskMs(perCommand) / perTaskMs(persistent)).toFixed(1)}×`,
    `- nspawn persistent per task / local per task: ${(perTaskMs(persistent) / perTaskMs(local)).toFixed(2)}×`,
    `- peak memory, ${EXTRA_TASKS + 10}-task run: ${Math.max(...results.map((figures) => figures.large.peakMb)).toFixed(0)} MB at most (target < 120 MB)`,
  );
  lines.push('', 'Commands sent per task (nspawn persistent, 10-task playbook, transfers included):', '', '| task | commands |', '|---|---:|');
  for (const [task, count] of commandsPerTask(persistent.small.output)) lines.push(`| ${task} | ${count} |`);
  return lines;
}

async function measureConnections(scratch: string): Promise<string[]> {
  await writeFile(join(scratch, 'templates/bench.conf.j2'), TEMPLATE);
  await writeFile(join(scratch, 'play-10.yml'), benchPlaybook(1));
  await writeFile(join(scratch, `play-${LARGE_BLOCKS * 10}.yml`), benchPlaybook(LARGE_BLOCKS));
  const results: ModeFigures[] = [];
  for (const mode of MODES) {
    process.stderr.write(`bench: ${mode.name}...\n`);
    results.push({ mode: mode.name, small: await measureMode(mode, scratch, 1), large: await measureMode(mode, scratch, LARGE_BLOCKS) });
  }
  return connectionsReport(results);
}

/** The report's parts named in BENCH_ONLY, in order, each a list of Markdown lines. */
async function measureParts(scratch: string): Promise<string[][]> {
  const parts: string[][] = [];
  const tree = (await run(TREE_SCRIPT, [], { maxBuffer: 1024 * 1024 })).stdout.trim();
  if (PARTS.includes('connections')) parts.push(await measureConnections(scratch));
  if (PARTS.includes('ansible')) parts.push(againstAnsibleReport(await measureAgainstAnsible(PLAYTREE, REPO, scratch, REPEAT)));
  if (PARTS.includes('startup')) parts.push(startupReport(await measureStartup(PLAYTREE, scratch, STARTUP_RUNS), STARTUP_RUNS));
  if (PARTS.includes('scaling')) parts.push(scalingReport(await measureScaling(PLAYTREE, tree, scratch)));
  if (PARTS.includes('modules')) parts.push(roundTripReport(await measureRoundTrips(PLAYTREE, tree, scratch, REPEAT)));
  if (PARTS.includes('ssh')) parts.push(overSshReport(await measureOverSsh(PLAYTREE, scratch, REPEAT, tree)));
  return parts;
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench: chroot and nspawn need root; run it as root (sudo npm run bench)\n');
    return 1;
  }
  const scratch = await mkdtemp('/var/tmp/playtree-bench-');
  try {
    await mkdir(join(scratch, 'templates'));
    const started = Date.now();
    const parts = await measureParts(scratch);
    process.stdout.write(`${parts.map((lines) => lines.join('\n')).join('\n\n')}\n`);
    process.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    return 0;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    process.stderr.write(`bench: ${error.message}\n`);
    process.exitCode = 1;
  },
);
