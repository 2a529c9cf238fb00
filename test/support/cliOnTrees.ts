import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyTestTree } from './imageTree.js';
import { runCli, type CliRun } from './runCli.js';

/**
 * Shared by the trees-e2e tests: run the real `bin/playtree.js` on real image trees, as a user would.
 * Not a test file itself (no `.test.` in its name).
 */

/** The fixture folder in the source checkout (tests run from dist/test/). */
export const TREE_FIXTURES = fileURLToPath(new URL('../../../test/fixtures/trees/', import.meta.url));
export const EXAMPLE_PLUGINS = fileURLToPath(new URL('../../../examples/connection_plugins/', import.meta.url));

export type PlaytreeRun = CliRun;

/**
 * Run playtree with `args` in `cwd`. ANSIBLE_CONFIG points at `cwd/ansible.cfg` (written empty unless the
 * test wrote one), so no ansible.cfg of this machine leaks into the run. `env` adds or overrides variables.
 */
export async function runPlaytree(cwd: string, args: string[], env: Record<string, string> = {}): Promise<PlaytreeRun> {
  const config = join(cwd, 'ansible.cfg');
  await writeFile(config, '', { flag: 'a' });
  return runCli(args, { cwd, env: { ANSIBLE_CONFIG: config, ...env } });
}

/** A scratch folder holding `count` private copies of the test tree (tree1, tree2...), removed by `remove`. */
export async function scratchWithTrees(count: number): Promise<{ scratch: string; trees: string[]; remove: () => Promise<void> }> {
  const copies = await Promise.all(Array.from({ length: count }, () => copyTestTree()));
  const scratch = copies[0]!.scratch;
  const trees = copies.map((copy) => copy.tree);
  await mkdir(join(scratch, 'work'), { recursive: true });
  return {
    scratch: join(scratch, 'work'),
    trees,
    remove: async () => {
      await Promise.all(copies.map((copy) => copy.remove()));
    },
  };
}

/** The `"msg": "..."` of every debug task result printed for `host`, in order. */
export function debugMessages(output: string): string[] {
  return [...output.matchAll(/^ {4}"msg": (".*")$/gm)].map((match) => JSON.parse(match[1]!) as string);
}

/** The recap counters of `host` (ok, changed, unreachable, failed...). */
export function recap(output: string, host: string): Record<string, number> {
  const line = output.split('\n').find((l) => l.startsWith(`${host} `) && l.includes(' : ok='));
  if (!line) throw new Error(`no recap line for ${host} in:\n${output}`);
  return Object.fromEntries([...line.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
}
