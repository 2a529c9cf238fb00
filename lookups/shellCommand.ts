import { spawnSync } from 'node:child_process';
import { LookupError, textTerm } from './lookup.js';

/**
 * Runs a lookup's term with `/bin/sh -c` on the controller, in the playbook's folder, as Ansible's pipe
 * and lines lookups do (Popen with shell=True). Its stdout is returned; a non-zero exit is an error.
 */
export function runOnController(lookup: string, term: unknown, cwd: string): string {
  const command = textTerm(lookup, term);
  const run = spawnSync('/bin/sh', ['-c', command], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  if (run.error) throw new LookupError(`lookup_plugin.${lookup}(${command}) could not start: ${run.error.message}`);
  if (run.status !== 0) throw new LookupError(`lookup_plugin.${lookup}(${command}) returned ${run.status ?? 128}`);
  return run.stdout;
}
