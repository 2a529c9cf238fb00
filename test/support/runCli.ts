import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/playtree.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run the real `bin/playtree.js` as a user would, with no terminal (so the text layout, not the live view)
 * and none of this machine's ANSIBLE_* variables; `env` adds or overrides variables.
 */
export function runCli(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliRun> {
  return spawnCli([process.execPath, BIN, ...args], options);
}

export interface MeasuredCliRun extends CliRun {
  /** Peak resident memory of the playtree process, in KB, as GNU time's %M reports it. */
  peakKb: number;
}

/**
 * runCli under GNU time (`/usr/bin/time -f %M`): the same run, plus the peak RSS of playtree's process. A
 * bound on memory, never on time: tests using it must not depend on the machine's speed.
 */
export async function runCliMeasured(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; timeFile: string },
): Promise<MeasuredCliRun> {
  const run = await spawnCli(['/usr/bin/time', '-f', '%M', '-o', options.timeFile, process.execPath, BIN, ...args], options);
  // GNU time writes "Command exited with non-zero status N" before its own line when playtree fails.
  const last = readFileSync(options.timeFile, 'utf8').trim().split('\n').pop() ?? '';
  return { ...run, peakKb: Number(last) };
}

function spawnCli(argv: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliRun> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ANSIBLE_')));
  return new Promise((done, fail) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: { ...clean, PLAYTREE_NO_LIVE: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', fail);
    child.on('close', (code, signal) =>
      done({ code: code ?? (signal ? 128 : -1), stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }),
    );
  });
}
