import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { copyCorpusTree } from '../compat/trees.js';
import { expectSuccess, runPlaytree } from './measure.js';
import { benchPlaybook, TEMPLATE } from './playbooks.js';
import { makeTreeCopies } from './treeCopies.js';

/*
 * Side by side with Ansible: the 30-task image-building playbook (bench/playbooks.ts) through playtree's
 * persistent nspawn, ansible-playbook's chroot connection and ansible-playbook with the original nspawn
 * connection plugin, both pipelined, each on a fresh overlay of the compat corpus's tree with Python
 * (compat/trees.ts). The plugin's folder is BENCH_ANSIBLE_NSPAWN_PLUGINS (default the shared folder's
 * seed/ beside the checkout); a row whose tool is missing is left out. Best of BENCH_REPEAT runs.
 */

const run = promisify(execFile);
const COMPAT_CACHE = process.env['PLAYTREE_COMPAT_CACHE'] ?? '/var/cache/playtree/compat';

export interface AnsibleRow {
  name: string;
  seconds: number;
}

interface Runner {
  name: string;
  inventory: (tree: string) => string;
  /** Seconds of one run on `inventory`, or throws. */
  run: (inventory: string, playbook: string) => Promise<number>;
}

/** Seconds of one ansible-playbook run (pipelined); `root` prefixes the playbook's paths ('' in a tree). */
export async function ansibleSeconds(inventory: string, playbook: string, env: Record<string, string>, root = ''): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn('ansible-playbook', ['-i', inventory, '-e', JSON.stringify({ root }), playbook], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ANSIBLE_PIPELINING: 'True', ANSIBLE_HOST_KEY_CHECKING: 'False', ...env },
    // A run that hangs (a plugin waiting for input it never gets) must not hang the benchmark.
    timeout: 600_000,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.once('close', (exit) => resolve(exit ?? 1)));
  if (code !== 0) throw new Error(`ansible-playbook exited ${code}:\n${output.split('\n').slice(-20).join('\n')}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function runners(playtree: string, repo: string, scratch: string): Runner[] {
  // The project's shared folder is beside the main checkout, two levels up from a worktree.
  const pluginDir =
    process.env['BENCH_ANSIBLE_NSPAWN_PLUGINS'] ??
    [join(repo, '../shared/seed'), join(repo, '../../shared/seed')].find((dir) => existsSync(join(dir, 'nspawn.py'))) ??
    '';
  const list: Runner[] = [
    {
      name: 'playtree, nspawn persistent',
      inventory: (tree) => `${tree} ansible_connection=nspawn`,
      run: async (inventory, playbook) => {
        const args = ['-i', inventory, '-e', JSON.stringify({ root: '' }), playbook];
        return expectSuccess(await runPlaytree(playtree, args, join(scratch, 'rusage-ansible')), 'playtree against ansible').seconds;
      },
    },
    {
      name: 'ansible-playbook, chroot, pipelined',
      inventory: (tree) => `${tree} ansible_connection=chroot ansible_python_interpreter=/usr/bin/python3`,
      run: (inventory, playbook) => ansibleSeconds(inventory, playbook, {}),
    },
  ];
  if (pluginDir && existsSync(join(pluginDir, 'nspawn.py'))) {
    list.push({
      name: 'ansible-playbook, original nspawn plugin, pipelined',
      inventory: (tree) => `${tree} ansible_connection=nspawn ansible_python_interpreter=/usr/bin/python3 ansible_nspawn_args="--register=no --keep-unit --pipe"`,
      run: (inventory, playbook) => ansibleSeconds(inventory, playbook, { ANSIBLE_CONNECTION_PLUGINS: pluginDir }),
    });
  }
  return list;
}

export async function measureAgainstAnsible(playtree: string, repo: string, scratch: string, repeat: number): Promise<AnsibleRow[]> {
  if ((await run('sh', ['-c', 'command -v ansible-playbook || true'])).stdout.trim() === '') return [];
  const base = join(scratch, 'python-tree');
  await copyCorpusTree(join(repo, 'scripts/test-tree.sh'), COMPAT_CACHE, 'ansible', base);
  await writeFile(join(scratch, 'templates/bench.conf.j2'), TEMPLATE);
  const playbook = join(scratch, 'play-30.yml');
  await writeFile(playbook, benchPlaybook(3));
  const rows: AnsibleRow[] = [];
  try {
    for (const runner of runners(playtree, repo, scratch)) {
      process.stderr.write(`bench: 30 tasks, ${runner.name}...\n`);
      let best = Infinity;
      for (let attempt = 0; attempt < repeat; attempt++) {
        const copies = await makeTreeCopies(base, scratch, 'against-ansible', 1);
        try {
          const inventory = join(scratch, 'ansible-hosts.ini');
          await writeFile(inventory, `${runner.inventory(copies.paths[0]!)}\n`);
          best = Math.min(best, await runner.run(inventory, playbook));
        } finally {
          await copies.remove();
        }
      }
      rows.push({ name: runner.name, seconds: best });
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
  return rows;
}

export function againstAnsibleReport(rows: AnsibleRow[]): string[] {
  if (rows.length === 0) return ['Against Ansible: ansible-playbook is not installed; left out.'];
  const lines = [
    'Against Ansible (the 30-task image-building playbook, the same tree with Python, best of the runs):',
    '',
    '| run | 30 tasks (s) | playtree is faster by |',
    '|---|---:|---:|',
  ];
  const playtree = rows[0]!;
  for (const row of rows) lines.push(`| ${row.name} | ${row.seconds.toFixed(2)} | ${(row.seconds / playtree.seconds).toFixed(1)}× |`);
  const target = (name: string, goal: number) => {
    const row = rows.find((candidate) => candidate.name.includes(name));
    return row ? [`- against ${row.name}: ${(row.seconds / playtree.seconds).toFixed(1)}× (target ≥ ${goal}×)`] : [];
  };
  return [...lines, '', ...target('original nspawn plugin', 25), ...target('chroot', 15)];
}
