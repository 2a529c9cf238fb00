import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * Shared by the interruption suite: the real `bin/playtree.js` started in its own process group (so a ^C can be
 * sent to the group, as a terminal does), and the conditions to wait for before interrupting it. Not a test
 * file itself (no `.test.` in its name).
 */

const BIN = fileURLToPath(new URL('../../../bin/playtree.js', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface StartedRun {
  pid: number;
  /** True until the process has exited. */
  running(): boolean;
  /** Everything it printed so far on stderr. */
  stderr(): string;
  exited: Promise<Exit>;
}

/** Start playtree as a user would from a terminal (its own process group, the text layout, no ANSIBLE_* of this machine). */
export function startPlaytree(cwd: string, args: readonly string[]): StartedRun {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ANSIBLE_')));
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...clean, PLAYTREE_NO_LIVE: '1', ANSIBLE_CONFIG: join(cwd, 'ansible.cfg') },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { pid: child.pid!, running: () => child.exitCode === null && child.signalCode === null, stderr: () => stderr, exited };
}

/**
 * Poll `condition` until it holds; fail (rather than hang) when the run ended first or after 60 s. Returns
 * nothing: the caller interrupts next.
 */
export async function waitFor(run: StartedRun, what: string, condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let waited = 0; !(await condition()); waited += 20) {
    if (!run.running()) throw new Error(`the run ended before ${what}:\n${(await run.exited).stdout}${(await run.exited).stderr}`);
    if (waited > 60_000) throw new Error(`${what} did not happen within 60 s`);
    await sleep(20);
  }
}

/** A file of `folder` other than `keep` (a transfer's temporary file) holding at least one byte. */
export async function transferUnderWay(folder: string, keep: string): Promise<boolean> {
  for (const name of await readdir(folder)) {
    if (name === keep) continue;
    const info = await stat(join(folder, name)).catch(() => undefined);
    if (info && info.size > 0) return true;
  }
  return false;
}

export function markerExists(path: string): boolean {
  return existsSync(path);
}

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** playtree's records of commands running on `tree` (connections/staleCommands.ts), by file name. */
export async function commandRecordsOf(tree: string): Promise<string[]> {
  const folder = '/run/playtree/commands';
  const names = await readdir(folder).catch(() => [] as string[]);
  const found: string[] = [];
  for (const name of names) {
    const text = await readFile(join(folder, name), 'utf8').catch(() => '{}');
    if ((JSON.parse(text) as { tree?: string }).tree === tree) found.push(name);
  }
  return found;
}
