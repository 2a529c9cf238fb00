import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** A -vvv line that logs one command sent (over ssh: on its own ssh command or through the host's session). */
export const EXEC_LINE = /^<[^>]*> [A-Z]+:? (?:SESSION )?EXEC /;

/** One playtree run as the benchmark sees it. */
export interface RunFigures {
  /** Wall time seen from the controller's side. */
  seconds: number;
  /**
   * User + system CPU time of playtree and the processes it waited for (GNU time's %U + %S): not the commands
   * run inside a persistent container, whose time does not reach playtree.
   */
  cpuSeconds: number;
  /** Commands and transfers playtree sent (its -vvv `EXEC` lines; ssh's read `SSH: EXEC` or `SSH: SESSION EXEC`). */
  commands: number;
  /** Peak resident memory of the playtree process (GNU time's %M), MB. */
  peakMb: number;
  exitCode: number;
  output: string;
}

/** Run `node bin/playtree.js ARGS` under /usr/bin/time, timing it from the controller's side. */
export async function runPlaytree(playtree: string, args: string[], rusageFile: string): Promise<RunFigures> {
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-o', rusageFile, '-f', '%U %S %M', process.execPath, playtree, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exitCode = await new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // The last line: GNU time writes "Command exited with non-zero status N" before it on a failure.
  const rusage = /([\d.]+) ([\d.]+) (\d+)\s*$/.exec(await readFile(rusageFile, 'utf8'));
  const commands = output.split('\n').filter((line) => EXEC_LINE.test(line)).length;
  return {
    seconds,
    cpuSeconds: Number(rusage?.[1] ?? 0) + Number(rusage?.[2] ?? 0),
    commands,
    peakMb: Number(rusage?.[3] ?? 0) / 1024,
    exitCode,
    output,
  };
}

/** Throws with the run's last lines when playtree did not exit 0. */
export function expectSuccess(figures: RunFigures, what: string): RunFigures {
  if (figures.exitCode === 0) return figures;
  throw new Error(`${what}: playtree exited ${figures.exitCode}:\n${figures.output.split('\n').slice(-30).join('\n')}`);
}

/** The median of some samples (the upper one of an even count). */
export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** `TASK [name]` headers of a -vvv run, each with the number of EXEC lines logged under it. */
export function commandsPerTask(output: string): Array<[string, number]> {
  const counts: Array<[string, number]> = [];
  for (const line of output.split('\n')) {
    const header = /^TASK \[(.*)\] \*+$/.exec(line);
    if (header) counts.push([header[1]!, 0]);
    else if (EXEC_LINE.test(line) && counts.length > 0) counts[counts.length - 1]![1] += 1;
  }
  return counts;
}
