import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The programs the file modules' tests watch for (COUNTED_PROGRAMS of programsRun). */
export const COUNTED_PROGRAMS = ['chmod', 'touch', 'stat', 'mv', 'head', 'cat', 'dirname', 'mkdir', 'getent', 'cut', 'readlink'];

/**
 * The programs (of `counted`) that `body` started through the local connection, in order: wrappers put first in
 * PATH, in `scratch`/bin, log their name before running the real program.
 */
export async function programsRun(scratch: string, body: () => Promise<unknown>, counted = COUNTED_PROGRAMS): Promise<string[]> {
  const bin = join(scratch, 'bin');
  const log = join(scratch, 'programs.log');
  await mkdir(bin, { recursive: true });
  for (const name of counted) {
    const real = (await run('sh', ['-c', `command -v ${name}`])).stdout.trim();
    await writeFile(join(bin, name), `#!/bin/sh\necho ${name} >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
  }
  await rm(log, { force: true });
  const path = process.env['PATH'];
  process.env['PATH'] = `${bin}:${path}`;
  try {
    await body();
  } finally {
    process.env['PATH'] = path;
  }
  return (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
}
