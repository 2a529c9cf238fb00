import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { commandsPerTask, expectSuccess, median, runPlaytree, type RunFigures } from './measure.js';
import { makeTreeCopies } from './treeCopies.js';

/*
 * Round trips per module through persistent nspawn: for each common module, a play of one task of it
 * and a play of 1 + ROUND_TRIP_TASKS tasks of it (each changing its own file where the module writes),
 * both ending with a task that finds nothing to change. The commands each task sends are counted at -vvv
 * (transfers included); its cost is the difference of the two plays' wall times over ROUND_TRIP_TASKS,
 * the best of BENCH_REPEAT runs each. Where strace is installed, the processes a task starts (on the
 * controller and inside the container: forks, and programs executed) are counted the same way.
 */

const run = promisify(execFile);
const STRACE = '/usr/bin/strace';

const ROUND_TRIP_TASKS = 40;

interface ModuleCase {
  name: string;
  /** The task's YAML (a list item, indented for the play), for the task numbered `index`. */
  task: (index: number) => string;
}

const MODULES: ModuleCase[] = [
  { name: 'debug', task: (index) => `debug: { msg: "message ${index}" }` },
  { name: 'command', task: () => 'command: cat /etc/debian_version\n      changed_when: false' },
  { name: 'stat', task: () => 'stat: { path: /etc/debian_version }' },
  { name: 'file (directory)', task: (index) => `file: { path: /etc/rt/dir-${index}, state: directory, mode: "0755" }` },
  { name: 'copy (content)', task: (index) => `copy: { content: "copy ${index}\\n", dest: /etc/rt/copy-${index}, mode: "0644" }` },
  { name: 'template', task: (index) => `template: { src: rt.j2, dest: /etc/rt/template-${index}, mode: "0644" }\n      vars: { number: ${index} }` },
  { name: 'lineinfile', task: (index) => `lineinfile: { path: /etc/rt/lines, line: "line ${index}", create: true }` },
  { name: 'apt (present package)', task: () => 'apt: { name: bash, state: present }' },
];

export interface RoundTripRow {
  module: string;
  changedCommands: number;
  unchangedCommands: number;
  msPerTask: number;
  /** User + system time of playtree per task (not the commands run inside the container). */
  cpuMsPerTask: number;
  /** Processes forked and programs executed per task, when strace is there. */
  processes?: { forks: number; execs: number };
}

function playbook(module: ModuleCase, count: number): string {
  const tasks = [`    - name: setup\n      file: { path: /etc/rt, state: directory }`];
  for (let index = 0; index < count; index++) tasks.push(`    - name: first ${index}\n      ${module.task(index)}`);
  tasks.push(`    - name: again\n      ${module.task(0)}`);
  return `- hosts: all\n  gather_facts: false\n  tasks:\n${tasks.join('\n')}\n`;
}

async function runOnFreshTree(playtree: string, tree: string, scratch: string, args: string[]): Promise<RunFigures> {
  const copies = await makeTreeCopies(tree, scratch, 'round-trips', 1);
  try {
    await writeFile(join(scratch, 'rt-hosts.ini'), `${copies.paths[0]} ansible_connection=nspawn\n`);
    const figures = await runPlaytree(playtree, ['-i', join(scratch, 'rt-hosts.ini'), ...args], join(scratch, 'rusage-rt'));
    return expectSuccess(figures, `round trips, ${args.join(' ')}`);
  } finally {
    await copies.remove();
  }
}

/** Forks (not threads) and successful execs of a whole run, playtree and its container included. */
async function countProcesses(playtree: string, tree: string, scratch: string, playbook: string): Promise<{ forks: number; execs: number }> {
  const copies = await makeTreeCopies(tree, scratch, 'round-trips', 1);
  const trace = join(scratch, 'rt.strace');
  try {
    await writeFile(join(scratch, 'rt-hosts.ini'), `${copies.paths[0]} ansible_connection=nspawn\n`);
    const syscalls = 'trace=execve,fork,vfork,clone,clone3';
    const args = ['-f', '-qq', '--status=successful', '-e', syscalls, '-e', 'signal=none', '-o', trace, process.execPath, playtree];
    await run(STRACE, [...args, '-i', join(scratch, 'rt-hosts.ini'), playbook], { maxBuffer: 64 * 1024 * 1024 });
    const lines = (await readFile(trace, 'utf8')).split('\n');
    const forks = lines.filter((line) => /\b(v?fork|clone3?)\(/.test(line) && !line.includes('CLONE_THREAD')).length;
    return { forks, execs: lines.filter((line) => line.includes('execve(')).length };
  } finally {
    await copies.remove();
  }
}

/** The least wall time and the least CPU time of `repeat` runs. */
async function bestTimes(run: () => Promise<RunFigures>, repeat: number): Promise<{ seconds: number; cpuSeconds: number }> {
  const best = { seconds: Infinity, cpuSeconds: Infinity };
  for (let attempt = 0; attempt < repeat; attempt++) {
    const figures = await run();
    best.seconds = Math.min(best.seconds, figures.seconds);
    best.cpuSeconds = Math.min(best.cpuSeconds, figures.cpuSeconds);
  }
  return best;
}

export async function measureRoundTrips(playtree: string, tree: string, scratch: string, repeat: number): Promise<RoundTripRow[]> {
  await writeFile(join(scratch, 'templates/rt.j2'), '{{ inventory_hostname }} number {{ number }}\n');
  const rows: RoundTripRow[] = [];
  for (const [caseIndex, module] of MODULES.entries()) {
    process.stderr.write(`bench: round trips of ${module.name}...\n`);
    const small = join(scratch, `rt-${caseIndex}-small.yml`);
    const large = join(scratch, `rt-${caseIndex}-large.yml`);
    await writeFile(small, playbook(module, 1));
    await writeFile(large, playbook(module, 1 + ROUND_TRIP_TASKS));
    const counted = commandsPerTask((await runOnFreshTree(playtree, tree, scratch, ['-vvv', large])).output);
    const changed = counted.filter(([name]) => name.startsWith('first ') && name !== 'first 0').map(([, count]) => count);
    const few = await bestTimes(() => runOnFreshTree(playtree, tree, scratch, [small]), repeat);
    const many = await bestTimes(() => runOnFreshTree(playtree, tree, scratch, [large]), repeat);
    const row: RoundTripRow = {
      module: module.name,
      changedCommands: median(changed),
      unchangedCommands: counted.find(([name]) => name === 'again')?.[1] ?? 0,
      msPerTask: ((many.seconds - few.seconds) * 1000) / ROUND_TRIP_TASKS,
      cpuMsPerTask: ((many.cpuSeconds - few.cpuSeconds) * 1000) / ROUND_TRIP_TASKS,
    };
    if (existsSync(STRACE)) {
      const fewProcesses = await countProcesses(playtree, tree, scratch, small);
      const manyProcesses = await countProcesses(playtree, tree, scratch, large);
      row.processes = {
        forks: (manyProcesses.forks - fewProcesses.forks) / ROUND_TRIP_TASKS,
        execs: (manyProcesses.execs - fewProcesses.execs) / ROUND_TRIP_TASKS,
      };
    }
    rows.push(row);
  }
  return rows;
}

export function roundTripReport(rows: RoundTripRow[]): string[] {
  const lines = [
    `Round trips per module (nspawn persistent; commands and transfers counted at -vvv; ms per task from ${ROUND_TRIP_TASKS} more tasks; CPU = user + system of playtree itself):`,
    '',
    '| module | commands, first run (changed) | commands, nothing to change | ms per task | playtree CPU ms per task | processes forked per task | programs run per task |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const forks = row.processes?.forks.toFixed(1) ?? '–';
    const execs = row.processes?.execs.toFixed(1) ?? '–';
    lines.push(`| ${row.module} | ${row.changedCommands} | ${row.unchangedCommands} | ${row.msPerTask.toFixed(1)} | ${row.cpuMsPerTask.toFixed(1)} | ${forks} | ${execs} |`);
  }
  if (rows.some((row) => row.processes)) {
    lines.push('', 'Processes are counted with strace over the whole run (playtree, nspawn and the container), per extra task; forks include the subshells of a command\'s script.');
  }
  return lines;
}
