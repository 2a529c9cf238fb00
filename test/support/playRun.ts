import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { normalise, runPlaytree, tempRoot } from '../fixtures/e2e/runPlaytree.js';

/** Small playbooks run through the CLI on local hosts, and reading what they print. */

/** A one-play playbook on all hosts without facts: `tasks` (YAML list text) indented under `tasks:`, `header` (play keywords) above. */
export function play(tasks: string, header = ''): string {
  return `- hosts: all\n  gather_facts: false\n${header}  tasks:\n${tasks.replace(/^/gm, '    ')}\n`;
}

/** The `"msg": ...` lines of a run, in order. */
export function messages(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.startsWith('    "msg": ')).map((line) => line.slice('    "msg": '.length));
}

export const FOUR_HOSTS = 'a ansible_connection=local\nb ansible_connection=local\nc ansible_connection=local\nd ansible_connection=local\n';

/** play.yml and its files, run in a fresh folder on the local host `a`; `env` adds variables for the CLI. */
export async function runPlay(files: Record<string, string>, extraArgs: string[] = [], env: Record<string, string> = {}) {
  const { root, cleanup } = await tempRoot();
  try {
    for (const [name, text] of Object.entries({ 'hosts.ini': 'a ansible_connection=local\n', ...files })) {
      await mkdir(dirname(join(root, name)), { recursive: true });
      await writeFile(join(root, name), text);
    }
    const run = await runPlaytree(['-i', 'hosts.ini', ...extraArgs, 'play.yml'], { cwd: root, env });
    return { ...run, stdout: normalise(run.stdout, root), stderr: normalise(run.stderr, root) };
  } finally {
    await cleanup();
  }
}
