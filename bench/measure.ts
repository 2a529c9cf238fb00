import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** One playtree run as the benchmark sees it. */
export interface RunFigures {
  seconds: number;
  /** Commands and transfers playtree sent (its -vvv `EXEC` lines). */
  commands: number;
  /** Peak resident memory of the playtree process (GNU time's %M), MB. */
  peakMb: number;
  exitCode: number;
  output: string;
}

/** Run `node bin/playtree.js ARGS` under /usr/bin/time, timing it from the controller's side. */
export async function runPlaytree(playtree: string, args: string[], rusageFile: string): Promise<RunFigures> {
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-o', rusageFile, '-f', '%M', process.execPath, playtree, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exitCode = await new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rusage = await readFile(rusageFile, 'utf8');
  const peakKb = Number(/(\d+)\s*$/.exec(rusage)?.[1] ?? 0);
  const commands = output.split('\n').filter((line) => /^<[^>]*> [A-Z]+ EXEC /.test(line)).length;
  return { seconds, commands, peakMb: peakKb / 1024, exitCode, output };
}

/** `playtree --version` start-up time in ms: the median of `times` runs. */
export async function startupMs(playtree: string, times: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [playtree, '--version'], { stdio: 'ignore' });
      child.once('error', reject);
      child.once('close', () => resolve());
    });
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}
