import { ModuleError } from '../src/core/errors.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { rewriteTextFile } from './textFileEdit.js';

/**
 * ansible.posix.sysctl: name (key), value (val; booleans written 1/0), state, sysctl_file (default
 * /etc/sysctl.conf), reload, sysctl_set, ignoreerrors. Only the file is edited, as Ansible rewrites it: lines
 * trimmed, `k = v` written `k=v`, a key's later duplicates dropped, a new key appended. Differs: the running
 * kernel is never read nor set (a tree shares the controller's kernel): `reload` does nothing, `sysctl_set: yes`
 * is ignored with a warning, and `changed` comes from the file alone.
 */
export const sysctlModule: ModuleDefinition = {
  name: 'sysctl',
  args: {
    name: { type: 'str', required: true, aliases: ['key'] },
    value: { type: 'str', aliases: ['val'] },
    state: { type: 'str', default: 'present', choices: ['present', 'absent'] },
    reload: { type: 'bool', default: true },
    sysctl_set: { type: 'bool', default: false },
    ignoreerrors: { type: 'bool', default: false },
    sysctl_file: { type: 'path', default: '/etc/sysctl.conf' },
  },
  run: runSysctl,
};

const TRUE_WORDS = ['y', 'yes', 'on', '1', 'true', 't'];
const FALSE_WORDS = ['n', 'no', 'off', '0', 'false', 'f'];

/** Ansible's _parse_value: boolean words become 1 or 0, anything else is trimmed. */
export function sysctlValue(value: string): string {
  if (TRUE_WORDS.includes(value.toLowerCase())) return '1';
  if (FALSE_WORDS.includes(value.toLowerCase())) return '0';
  return value.trim();
}

/** The file's `key=value` pairs (the last occurrence wins) and its text rewritten with `name` set or removed. */
export function editSysctl(text: string, name: string, value: string | undefined): { current: string | undefined; text: string } {
  const lines = (text.match(/[^\n]*\n|[^\n]+$/g) ?? []).map((line) => line.trim());
  const values = new Map<string, string>();
  const seen = new Set<string>();
  const out: string[] = [];
  const isSetting = (line: string) => line !== '' && !line.startsWith('#') && !line.startsWith(';') && line.includes('=');
  for (const line of lines) {
    if (!isSetting(line)) {
      out.push(line);
      continue;
    }
    const at = line.indexOf('=');
    const key = line.slice(0, at).trim();
    const current = line.slice(at + 1).trim();
    values.set(key, current);
    if (seen.has(key)) continue;
    seen.add(key);
    if (key !== name) out.push(`${key}=${current}`);
    else if (value !== undefined) out.push(`${key}=${value}`);
  }
  if (!seen.has(name) && value !== undefined) out.push(`${name}=${value}`);
  return { current: values.get(name), text: out.map((line) => `${line}\n`).join('') };
}

async function runSysctl(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const name = (a['name'] as string).trim();
  const present = a['state'] === 'present';
  if (name === '') throw new ModuleError('name cannot be blank');
  if (present && a['value'] === undefined) throw new ModuleError('value cannot be None');
  if (present && a['value'] === '') throw new ModuleError('value cannot be blank');
  const value = present ? sysctlValue(a['value'] as string) : undefined;
  const outcome = await rewriteTextFile(ctx, {
    path: a['sysctl_file'] as string,
    wanted: {},
    edit(text) {
      const edit = editSysctl(text, name, value);
      const differs = present ? edit.current !== value : edit.current !== undefined && edit.current !== '';
      return differs ? edit.text : text;
    },
  });
  if (outcome.failure) return outcome.failure;
  const warnings = a['sysctl_set'] ? [`sysctl_set ignored: ${name} is written to ${String(a['sysctl_file'])} only, the running kernel is not the target's`] : [];
  return { changed: outcome.changed, ...(outcome.diff ? { diff: outcome.diff } : {}), ...(warnings.length ? { warnings } : {}) };
}
