import { shellJoin } from '../src/core/shellQuote.js';
import type { ModuleDefinition } from './module.js';

/**
 * ansible.builtin.getent: database, key, split, fail_key, service. Runs the target's getent (so a tree's own
 * passwd, group, hosts...) and sets the fact `getent_<database>`: every entry by its first field, the other
 * fields as a list (split on `:` for passwd, group, shadow and gshadow, else on whitespace, unless `split`).
 */
export const getentModule: ModuleDefinition = {
  name: 'getent',
  args: {
    database: { type: 'str', required: true },
    key: { type: 'str' },
    split: { type: 'str' },
    fail_key: { type: 'bool', default: true },
    service: { type: 'str' },
  },
  async run(ctx) {
    const a = ctx.args;
    const database = a['database'] as string;
    const key = a['key'] as string | undefined;
    const argv = ['getent', ...(a['service'] ? ['-s', a['service'] as string] : []), database, ...(key !== undefined ? [key] : [])];
    const run = await ctx.target.exec(shellJoin(argv));
    const fact = `getent_${database}`;
    if (run.rc === 0) return { changed: false, ansible_facts: { [fact]: parseEntries(run.stdout.toString(), database, a['split'] as string | undefined) } };
    const messages: Record<number, string> = {
      1: 'Missing arguments, or database unknown.',
      2: 'One or more supplied key could not be found in the database.',
      3: 'Enumeration not supported on this database.',
      127: 'getent is missing in the target: install libc-bin',
    };
    const msg = messages[run.rc] ?? `getent failed: ${run.stderr.toString().trim()}`;
    if (run.rc === 2 && !a['fail_key']) return { changed: false, msg, ansible_facts: { [fact]: { [key ?? '']: null } } };
    return { changed: false, failed: true, msg };
  },
};

/** Entries by first field; a key seen twice holds the list of its records, as Ansible's getent. */
export function parseEntries(output: string, database: string, split: string | undefined): Record<string, unknown> {
  const separator = split ?? (['passwd', 'shadow', 'group', 'gshadow'].includes(database) ? ':' : undefined);
  const entries: Record<string, unknown> = {};
  const seen = new Map<string, number>();
  for (const line of output.split('\n')) {
    if (!line) continue;
    const record = separator === undefined ? line.trim().split(/\s+/) : line.split(separator);
    const [first, ...rest] = record as [string, ...string[]];
    const count = seen.get(first) ?? 0;
    if (count === 0) entries[first] = rest;
    else {
      if (count === 1) entries[first] = [entries[first]];
      (entries[first] as unknown[]).push(rest);
    }
    seen.set(first, count + 1);
  }
  return entries;
}
