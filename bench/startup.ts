import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { median, runPlaytree, expectSuccess, type RunFigures } from './measure.js';

/*
 * Start-up lines: Node's own floor (`node -e 0`), `playtree --version`, and a play of one `debug` task on
 * localhost (local connection). Each is run `times` times in a row; the first run is reported apart (the
 * coldest one this bench can see), then the medians of wall time and of CPU time (user + system, which a
 * busy machine disturbs less than wall time), and the peak resident memory.
 */

export interface StartupFigures {
  name: string;
  firstMs: number;
  medianMs: number;
  medianCpuMs: number;
  peakMb: number;
}

const ONE_DEBUG = `- hosts: all
  gather_facts: false
  tasks:
    - debug: { msg: hello }
`;

async function sample(name: string, run: () => Promise<RunFigures>, times: number): Promise<StartupFigures> {
  const runs: RunFigures[] = [];
  for (let i = 0; i < times; i++) runs.push(expectSuccess(await run(), name));
  return {
    name,
    firstMs: runs[0]!.seconds * 1000,
    medianMs: median(runs.map((figures) => figures.seconds * 1000)),
    medianCpuMs: median(runs.map((figures) => figures.cpuSeconds * 1000)),
    peakMb: Math.max(...runs.map((figures) => figures.peakMb)),
  };
}

export async function measureStartup(playtree: string, scratch: string, times: number): Promise<StartupFigures[]> {
  const playbook = join(scratch, 'one-debug.yml');
  await writeFile(playbook, ONE_DEBUG);
  const rusage = join(scratch, 'rusage-startup');
  const emptyScript = join(scratch, 'empty.js');
  await writeFile(emptyScript, '');
  return [
    await sample('`node` on an empty script (the floor)', () => runPlaytree(emptyScript, [], rusage), times),
    await sample('`playtree --version`', () => runPlaytree(playtree, ['--version'], rusage), times),
    await sample(
      'one `debug` task on localhost',
      () => runPlaytree(playtree, ['-i', 'localhost,', '-c', 'local', playbook], rusage),
      times,
    ),
  ];
}

export function startupReport(figures: StartupFigures[], times: number): string[] {
  const lines = [
    `Start-up (${times} runs each; CPU = user + system):`,
    '',
    '| run | first (ms) | median (ms) | median CPU (ms) | peak memory (MB) |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const row of figures) {
    lines.push(
      `| ${row.name} | ${row.firstMs.toFixed(0)} | ${row.medianMs.toFixed(0)} | ${row.medianCpuMs.toFixed(0)} | ${row.peakMb.toFixed(0)} |`,
    );
  }
  const debug = figures[figures.length - 1]!;
  lines.push('', `- one \`debug\` task: ${debug.medianMs.toFixed(0)} ms (target < 150 ms), peak memory ${debug.peakMb.toFixed(0)} MB`);
  return lines;
}
