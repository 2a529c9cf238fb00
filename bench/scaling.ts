import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectSuccess, runPlaytree, type RunFigures } from './measure.js';
import { makeTreeCopies } from './treeCopies.js';

/*
 * The scaling table: playbooks of 10, 100 and 1000 tasks (a repeating debug, command, copy) on 1, 4 and 16
 * trees at once through persistent nspawn, with forks equal to the tree count, so that the cost of one
 * more task and of one more host can be read off. Every cell gets fresh tree copies (overlay mounts).
 * BENCH_SCALE_MAX=N skips the cells of more than N host-tasks (default: none skipped).
 */

export const TASK_COUNTS = [10, 100, 1000];
export const TREE_COUNTS = [1, 4, 16];

export interface ScalingCell {
  tasks: number;
  trees: number;
  figures?: RunFigures;
}

/** `count` tasks cycling through debug, command and copy (every copy writes its own file). */
export function scalingPlaybook(count: number): string {
  const tasks = Array.from({ length: count }, (_unused, index) => {
    switch (index % 3) {
      case 0:
        return `    - debug: { msg: "task ${index} on {{ inventory_hostname }}" }`;
      case 1:
        return `    - command: cat /etc/debian_version\n      changed_when: false`;
      default:
        return `    - copy: { content: "task ${index}\\n", dest: "/etc/scale-${index}.conf", mode: "0644" }`;
    }
  });
  return `- name: scaling (${count} tasks)\n  hosts: all\n  gather_facts: false\n  tasks:\n${tasks.join('\n')}\n`;
}

async function measureCell(playtree: string, tree: string, scratch: string, cell: ScalingCell): Promise<RunFigures> {
  const copies = await makeTreeCopies(tree, scratch, `scale-${cell.tasks}x${cell.trees}`, cell.trees);
  try {
    const inventory = join(scratch, 'scale-hosts.ini');
    await writeFile(inventory, copies.paths.map((path) => `${path} ansible_connection=nspawn\n`).join(''));
    const args = ['-f', String(cell.trees), '-i', inventory, join(scratch, `scale-${cell.tasks}.yml`)];
    const figures = await runPlaytree(playtree, args, join(scratch, 'rusage-scale'));
    return expectSuccess(figures, `scaling, ${cell.tasks} tasks × ${cell.trees} trees`);
  } finally {
    await copies.remove();
  }
}

export async function measureScaling(playtree: string, tree: string, scratch: string): Promise<ScalingCell[]> {
  const limit = Number(process.env['BENCH_SCALE_MAX'] ?? Infinity);
  for (const count of TASK_COUNTS) await writeFile(join(scratch, `scale-${count}.yml`), scalingPlaybook(count));
  const cells: ScalingCell[] = [];
  for (const tasks of TASK_COUNTS) {
    for (const trees of TREE_COUNTS) {
      const cell: ScalingCell = { tasks, trees };
      if (tasks * trees <= limit) {
        process.stderr.write(`bench: scaling ${tasks} tasks × ${trees} trees...\n`);
        cell.figures = await measureCell(playtree, tree, scratch, cell);
      }
      cells.push(cell);
    }
  }
  return cells;
}

function cellAt(cells: ScalingCell[], tasks: number, trees: number): RunFigures | undefined {
  return cells.find((cell) => cell.tasks === tasks && cell.trees === trees)?.figures;
}

function growthLines(cells: ScalingCell[]): string[] {
  const lines: string[] = [];
  const [fewTasks, midTasks, manyTasks] = [TASK_COUNTS[0]!, TASK_COUNTS[1]!, TASK_COUNTS[2]!];
  for (const trees of TREE_COUNTS) {
    const few = cellAt(cells, fewTasks, trees);
    const mid = cellAt(cells, midTasks, trees);
    const many = cellAt(cells, manyTasks, trees);
    if (!few || !mid || !many) continue;
    const perTask = ((many.seconds - mid.seconds) * 1000) / (manyTasks - midTasks);
    const memory = ((many.peakMb - few.peakMb) * 1024) / (manyTasks - fewTasks);
    lines.push(
      `- one more task on ${trees} tree(s): +${perTask.toFixed(1)} ms (${manyTasks - midTasks} tasks apart), ` +
        `+${memory.toFixed(1)} KB peak memory (${fewTasks} → ${manyTasks} tasks)`,
    );
  }
  const [oneTree, lastTrees] = [TREE_COUNTS[0]!, TREE_COUNTS[TREE_COUNTS.length - 1]!];
  for (const tasks of TASK_COUNTS) {
    const one = cellAt(cells, tasks, oneTree);
    const many = cellAt(cells, tasks, lastTrees);
    if (!one || !many) continue;
    const perHost = ((many.seconds - one.seconds) * 1000) / (lastTrees - oneTree);
    const memory = (many.peakMb - one.peakMb) / (lastTrees - oneTree);
    lines.push(
      `- one more host, ${tasks} tasks: +${perHost.toFixed(0)} ms, +${memory.toFixed(1)} MB peak memory (${oneTree} → ${lastTrees} trees)`,
    );
  }
  return lines;
}

export function scalingReport(cells: ScalingCell[]): string[] {
  const lines = [
    'Scaling (nspawn persistent, tasks cycling debug / command / copy, forks = trees, one run per cell, fresh overlay copies of the tree):',
    '',
    '| tasks | trees | wall (s) | ms per task | ms per host-task | playtree CPU (s) | peak memory (MB) |',
    '|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { tasks, trees, figures } of cells) {
    if (!figures) {
      lines.push(`| ${tasks} | ${trees} | skipped (BENCH_SCALE_MAX) | | | | |`);
      continue;
    }
    const ms = figures.seconds * 1000;
    lines.push(
      `| ${tasks} | ${trees} | ${figures.seconds.toFixed(2)} | ${(ms / tasks).toFixed(1)} | ${(ms / tasks / trees).toFixed(2)} | ` +
        `${figures.cpuSeconds.toFixed(2)} | ${figures.peakMb.toFixed(0)} |`,
    );
  }
  return [...lines, '', ...growthLines(cells)];
}
