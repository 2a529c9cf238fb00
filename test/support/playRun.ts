import { runWithFiles } from '../fixtures/e2e/runPlaytree.js';

/** Small playbooks run through the CLI on local hosts, and reading what they print. */

/** play.yml and its files, run on the local host `a`. */
export function runPlay(files: Record<string, string>, extraArgs: string[] = []) {
  return runWithFiles({ 'hosts.ini': 'a ansible_connection=local\n', ...files }, ['-i', 'hosts.ini', ...extraArgs, 'play.yml']);
}

/** A one-play playbook on all hosts without facts: `tasks` (YAML list text) indented under `tasks:`, `header` (play keywords) above. */
export function play(tasks: string, header = ''): string {
  return `- hosts: all\n  gather_facts: false\n${header}  tasks:\n${tasks.replace(/^/gm, '    ')}\n`;
}

/** The `"msg": ...` lines of a run, in order. */
export function messages(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.startsWith('    "msg": ')).map((line) => line.slice('    "msg": '.length));
}

export const FOUR_HOSTS = 'a ansible_connection=local\nb ansible_connection=local\nc ansible_connection=local\nd ansible_connection=local\n';
