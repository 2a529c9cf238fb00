import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sshdMissing, startSshd, waitFor, type TestSshd } from '../test/support/sshd.js';
import { ansibleSeconds } from './againstAnsible.js';
import { commandsPerTask, expectSuccess, runPlaytree, type RunFigures } from './measure.js';
import { benchPlaybook, TEMPLATE } from './playbooks.js';
import { makeTreeCopies } from './treeCopies.js';

/*
 * BENCH_ONLY=ssh: the image-building playbooks over ssh to this machine, through the tests' throw-away sshd
 * (test/support/sshd.ts: 127.0.0.1, a free port, its own keys and known_hosts). Like the local row, every
 * path of the playbook lies under a scratch folder (`root`). playtree (ansible_connection=ssh, its default
 * ssh_args: one multiplexed master per run) runs the 10- and 50-task playbooks for the per-task cost, then
 * the 30-task one beside ansible-playbook's ssh connection with pipelining on (same sshd, same key, same
 * known_hosts, python3 of this machine as the target's). Each run starts with no master: ansible-playbook
 * gets a fresh control folder per run and its master is closed after it. Best of BENCH_REPEAT runs.
 * Wall time on a busy machine says little, so each run also counts CPU time (user + system) on both ends:
 * the controller's (the tool and the ssh clients, as finished children of the bench) and the target's (what
 * sshd's connection processes used, the remote shells and ansible's Python modules, read from the test
 * sshd's finished children once the run's connection has closed).
 * With a tree, the same 10- and 50-task playbooks also run inside a copy of it on the "remote" build host:
 * `ansible_connection=nspawn playtree_via=` the ssh host, the persistent container there (`root` is '').
 */

const run = promisify(execFile);

/** One run: wall seconds and CPU seconds on the controller and on the target (sshd's side). */
interface SshRun {
  seconds: number;
  controllerCpu: number;
  targetCpu: number;
}

export interface SshFigures {
  small: RunFigures & SshRun;
  large: RunFigures & SshRun;
  playtree30: SshRun;
  /** The 10- and 50-task runs in a tree on the build host through ssh (nspawn, playtree_via); undefined without a tree. */
  remoteNspawn?: { small: RunFigures & SshRun; large: RunFigures & SshRun };
  /** ansible-playbook's 30-task run; undefined when it is not installed. */
  ansible30: SshRun | undefined;
  /** The 1-minute load average before and after the part. */
  load: [number, number];
}

/** CPU seconds (user + system) of the finished, reaped children of process `pid` (cutime + cstime). */
function childrenCpu(pid: string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of proc(5), in clock ticks (USER_HZ, 100 on Linux).
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Whether process `pid` has children (sshd's connection processes, still open). */
function hasChildren(pid: string): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === pid) return true;
    } catch {
      // Gone meanwhile.
    }
  }
  return false;
}

/** `work`'s wall time and the CPU it cost on both ends, counted once sshd's connections of the run ended. */
async function measured<T>(sshdPid: string, work: () => Promise<T>): Promise<T & SshRun> {
  const controller = childrenCpu('self');
  const target = childrenCpu(sshdPid);
  const started = process.hrtime.bigint();
  const result = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await waitFor(() => !hasChildren(sshdPid), 'the run\'s ssh connections to end');
  return { ...result, seconds, controllerCpu: childrenCpu('self') - controller, targetCpu: childrenCpu(sshdPid) - target };
}

/** Inventory line reaching the test sshd as root with its key and known_hosts. */
function inventoryLine(sshd: TestSshd, extra: Record<string, string> = {}): string {
  const vars = { ...sshd.hostVars(), ...extra };
  return `bench ${Object.entries(vars).map(([name, value]) => `${name}='${value}'`).join(' ')}`;
}

/** The run of least CPU time, with the least wall time of all runs (a busy machine disturbs each differently). */
async function best<T extends SshRun>(repeat: number, once: () => Promise<T>): Promise<T> {
  let kept: T | undefined;
  let seconds = Infinity;
  for (let attempt = 0; attempt < repeat; attempt++) {
    const figures = await once();
    seconds = Math.min(seconds, figures.seconds);
    if (!kept || figures.controllerCpu + figures.targetCpu < kept.controllerCpu + kept.targetCpu) kept = figures;
  }
  return { ...kept!, seconds };
}

/** A fresh empty target folder for one run, removed after it. */
async function inTarget<T>(scratch: string, work: (root: string) => Promise<T>): Promise<T> {
  const root = join(scratch, 'ssh-target');
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  try {
    return await work(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function playtreeOverSsh(playtree: string, scratch: string, inventory: string, playbook: string, verbose: boolean): Promise<RunFigures> {
  return inTarget(scratch, async (root) => {
    const args = [...(verbose ? ['-vvv'] : []), '-i', inventory, '-e', JSON.stringify({ root }), playbook];
    return expectSuccess(await runPlaytree(playtree, args, join(scratch, 'rusage-ssh')), `playtree over ssh, ${playbook}`);
  });
}

/** One ansible-playbook run with its own control folder; its master (ControlPersist) is closed after it. */
async function ansibleOverSsh(scratch: string, inventory: string, playbook: string): Promise<object> {
  const controlDir = join(scratch, 'ansible-cp');
  await rm(controlDir, { recursive: true, force: true });
  await mkdir(controlDir, { mode: 0o700 });
  try {
    await inTarget(scratch, (root) => ansibleSeconds(inventory, playbook, { ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir }, root));
    return {};
  } finally {
    for (const socket of await readdir(controlDir)) {
      await run('ssh', ['-o', `ControlPath=${join(controlDir, socket)}`, '-O', 'exit', 'bench']).catch(() => undefined);
    }
    await rm(controlDir, { recursive: true, force: true });
  }
}

/** One run of `playbook` in a fresh copy of `tree` reached as an nspawn tree through the ssh host `bench`. */
async function playtreeViaSsh(playtree: string, scratch: string, sshd: TestSshd, tree: string, playbook: string): Promise<RunFigures> {
  const copies = await makeTreeCopies(tree, scratch, 'ssh-tree', 1);
  try {
    const inventory = join(scratch, 'ssh-via-hosts.ini');
    await writeFile(inventory, `${inventoryLine(sshd)}\nimage ansible_host=${copies.paths[0]} ansible_connection=nspawn playtree_via=bench root=''\n`);
    const args = ['-vvv', '-i', inventory, '--limit', 'image', playbook];
    const figures = expectSuccess(await runPlaytree(playtree, args, join(scratch, 'rusage-ssh-via')), `playtree through ssh into a tree, ${playbook}`);
    // A command in the tree is logged twice (the tree's EXEC and the carrier's): the round trips are the carrier's.
    return { ...figures, commands: figures.output.split('\n').filter((line) => /^<[^>]*> SSH: (?:SESSION )?EXEC /.test(line)).length };
  } finally {
    await copies.remove();
  }
}

export async function measureOverSsh(playtree: string, scratch: string, repeat: number, tree?: string): Promise<SshFigures | string> {
  const missing = sshdMissing();
  if (missing) return missing;
  const before = loadavg()[0]!;
  await mkdir(join(scratch, 'templates'), { recursive: true });
  await writeFile(join(scratch, 'templates/bench.conf.j2'), TEMPLATE);
  for (const blocks of [1, 3, 5]) await writeFile(join(scratch, `play-${blocks * 10}.yml`), benchPlaybook(blocks));
  const sshd = await startSshd();
  try {
    const inventory = join(scratch, 'ssh-hosts.ini');
    await writeFile(inventory, `${inventoryLine(sshd, { ansible_python_interpreter: '/usr/bin/python3' })}\n`);
    const play = (tasks: number) => join(scratch, `play-${tasks}.yml`);
    const sshdPid = readFileSync(join(sshd.dir, 'sshd.pid'), 'utf8').trim();
    const playtreeRun = (tasks: number, verbose: boolean) => () => measured(sshdPid, () => playtreeOverSsh(playtree, scratch, inventory, play(tasks), verbose));
    process.stderr.write('bench: ssh, playtree 10 and 50 tasks...\n');
    const small = await best(repeat, playtreeRun(10, true));
    const large = await best(repeat, playtreeRun(50, true));
    process.stderr.write('bench: ssh, 30 tasks, playtree and ansible-playbook...\n');
    const playtree30 = await best(repeat, playtreeRun(30, false));
    const hasAnsible = (await run('sh', ['-c', 'command -v ansible-playbook || true'])).stdout.trim() !== '';
    const ansible30 = hasAnsible ? await best(repeat, () => measured(sshdPid, () => ansibleOverSsh(scratch, inventory, play(30)))) : undefined;
    let remoteNspawn: SshFigures['remoteNspawn'];
    if (tree) {
      process.stderr.write('bench: ssh, playtree 10 and 50 tasks in a tree on the build host (nspawn, playtree_via)...\n');
      const viaRun = (tasks: number) => () => measured(sshdPid, () => playtreeViaSsh(playtree, scratch, sshd, tree, play(tasks)));
      remoteNspawn = { small: await best(repeat, viaRun(10)), large: await best(repeat, viaRun(50)) };
    }
    return { small, large, playtree30, ansible30, ...(remoteNspawn ? { remoteNspawn } : {}), load: [before, loadavg()[0]!] };
  } finally {
    await sshd.stop();
  }
}

const cpu = (run: SshRun) => run.controllerCpu + run.targetCpu;

export function overSshReport(figures: SshFigures | string): string[] {
  if (typeof figures === 'string') return [`Over ssh: left out (${figures}).`];
  const { small, large, playtree30, ansible30, load } = figures;
  type Pair = { small: SshFigures['small']; large: SshFigures['large'] };
  const perTaskOf = (pair: Pair, of: (run: SshFigures['small']) => number) => (((of(pair.large) - of(pair.small)) * 1000) / 40).toFixed(1);
  const pairRow = (name: string, pair: Pair) =>
    `| ${name} | ${pair.small.seconds.toFixed(2)} | ${pair.large.seconds.toFixed(2)} | ${perTaskOf(pair, (run) => run.seconds)} | ${perTaskOf(pair, cpu)} | ${perTaskOf(pair, (run) => run.targetCpu)} | ${((pair.large.commands - pair.small.commands) / 40).toFixed(2)} | ${pair.large.peakMb.toFixed(0)} |`;
  const lines = [
    `Over ssh (ansible_connection=ssh to this machine's throw-away sshd, one multiplexed master per run; load average ${load[0].toFixed(1)} before, ${load[1].toFixed(1)} after; CPU is user + system, controller and target together):`,
    '',
    '| run | 10 tasks (s) | 50 tasks (s) | per task (ms) | CPU per task (ms) | of it on the target (ms) | commands per task | peak memory, 50 tasks (MB) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    pairRow('playtree, ssh', { small, large }),
    ...(figures.remoteNspawn ? [pairRow('playtree, nspawn tree on the ssh build host (playtree_via, persistent container)', figures.remoteNspawn)] : []),
    '',
    '| 30 tasks over ssh | wall (s) | CPU (s) | of it on the target (s) | playtree is faster by (wall) | (CPU) |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  const row = (name: string, run: SshRun) =>
    `| ${name} | ${run.seconds.toFixed(2)} | ${cpu(run).toFixed(2)} | ${run.targetCpu.toFixed(2)} | ${(run.seconds / playtree30.seconds).toFixed(1)}× | ${(cpu(run) / cpu(playtree30)).toFixed(1)}× |`;
  lines.push(row('playtree', playtree30));
  if (ansible30 === undefined) lines.push('', 'ansible-playbook is not installed: its row is left out.');
  else {
    lines.push(row('ansible-playbook, ssh, pipelined', ansible30));
    const ratio = (of: (run: SshRun) => number) => (of(ansible30) / of(playtree30)).toFixed(1);
    lines.push('', `- against ansible-playbook over ssh: ${ratio((run) => run.seconds)}× in wall time, ${ratio(cpu)}× in CPU time (target ≥ 10×)`);
  }
  lines.push('', 'Commands sent per task over ssh (10-task playbook, transfers included):', '', '| task | commands |', '|---|---:|');
  for (const [task, count] of commandsPerTask(small.output)) lines.push(`| ${task} | ${count} |`);
  return lines;
}
