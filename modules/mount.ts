import { ModuleError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { rewriteTextFile } from './textFileEdit.js';

/**
 * ansible.posix.mount, for the fstab of an image: path (name), src, fstype, opts (default `defaults`), dump,
 * passno, boot (false adds `noauto`), fstab (default /etc/fstab), backup, state. The fstab line is written,
 * changed or removed as Ansible does (spaces, `&` and `\` escaped as \040, \046, \134; a swap entry matched by
 * src too). Differs, since a tree is not a running system: nothing is ever mounted or unmounted. `mounted` and
 * `present` both edit fstab (`mounted` also creates the mount point folder); `unmounted` and `remounted` change
 * nothing; `absent` and `absent_from_fstab` remove the line and leave the folder; `ephemeral` is refused.
 */
export const mountModule: ModuleDefinition = {
  name: 'mount',
  args: {
    path: { type: 'path', required: true, aliases: ['name'] },
    src: { type: 'path' },
    fstype: { type: 'str' },
    opts: { type: 'str' },
    dump: { type: 'str', default: '0' },
    passno: { type: 'str', default: '0' },
    boot: { type: 'bool', default: true },
    fstab: { type: 'str' },
    backup: { type: 'bool', default: false },
    state: { type: 'str', required: true, choices: ['absent', 'absent_from_fstab', 'mounted', 'present', 'unmounted', 'remounted', 'ephemeral'] },
  },
  run: runMount,
};

export interface FstabEntry {
  src?: string | undefined;
  name: string;
  fstype?: string | undefined;
  opts: string;
  dump: string;
  passno: string;
}

const FIELDS = ['src', 'name', 'fstype', 'opts', 'dump', 'passno'] as const;

/** fstab's octal escapes for the characters that would split a field. */
export function escapeFstab(value: string): string {
  return value.replaceAll('\\', '\\134').replaceAll(' ', '\\040').replaceAll('&', '\\046');
}

function lineFor(entry: FstabEntry): string {
  return `${FIELDS.map((field) => entry[field] ?? 'None').join(' ')}\n`;
}

/** The fstab text with `wanted` present (changed in place, or appended) or, when `wanted` has no fstype, removed. */
export function editFstab(text: string, wanted: FstabEntry, present: boolean, srcGiven: boolean): { text: string; changed: boolean } {
  const escaped: FstabEntry = { ...wanted };
  for (const field of FIELDS) if (escaped[field] !== undefined) escaped[field] = escapeFstab(escaped[field]!);
  const out: string[] = [];
  let found = false;
  let changed = false;
  for (let line of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    if (present && !line.endsWith('\n')) line += '\n';
    const fields = line.trim().split(/\s+/);
    const usable = line.trim() !== '' && !line.trim().startsWith('#') && (present ? fields.length >= 4 && fields.length <= 6 : fields.length === 6);
    const [src, name, fstype] = fields;
    const otherSwap = srcGiven && name === 'none' && fstype === 'swap' && src !== wanted.src;
    if (!usable || name !== escaped.name || otherSwap) {
      out.push(line);
      continue;
    }
    found = true;
    if (!present) {
      changed = true;
      continue;
    }
    const differs = FIELDS.some((field, i) => field !== 'name' && fields[i] !== escaped[field]);
    out.push(differs ? lineFor(escaped) : line);
    changed ||= differs;
  }
  if (present && !found) {
    out.push(lineFor(escaped));
    changed = true;
  }
  return { text: out.join(''), changed };
}

async function runMount(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const state = a['state'] as string;
  const name = a['path'] as string;
  if (state === 'ephemeral') throw new ModuleError('state=ephemeral mounts on the running system only: an image tree has none (use present or mounted to write fstab)');
  if (['mounted', 'present'].includes(state) && (a['src'] === undefined || a['fstype'] === undefined)) {
    throw new ModuleError(`state is ${state} but all of the following are missing: ${['src', 'fstype'].filter((k) => a[k] === undefined).join(', ')}`);
  }
  const warnings: string[] = [];
  const opts = ((a['opts'] as string | undefined) ?? 'defaults').split(',');
  if (opts.includes('noauto')) warnings.push("Ignore the 'boot' due to 'opts' contains 'noauto'.");
  else if (!a['boot']) {
    if (opts.includes('defaults')) warnings.push("Ignore the 'boot' due to 'opts' contains 'defaults'.");
    else opts.push('noauto');
  }
  const fstab = (a['fstab'] as string | undefined) ?? '/etc/fstab';
  const entry: FstabEntry = { src: a['src'] as string | undefined, name, fstype: a['fstype'] as string | undefined, opts: opts.join(','), dump: a['dump'] as string, passno: a['passno'] as string };
  const result: ModuleResult = {
    changed: false, name, ...(entry.src !== undefined ? { src: entry.src } : {}), ...(entry.fstype !== undefined ? { fstype: entry.fstype } : {}),
    opts: entry.opts, dump: entry.dump, passno: entry.passno, fstab, boot: a['boot'] ? 'yes' : 'no', backup_file: '', ...(warnings.length ? { warnings } : {}),
  };
  if (state === 'unmounted' || state === 'remounted') return result;
  const present = state === 'mounted' || state === 'present';
  if (state === 'mounted' && !ctx.check) {
    const made = await ctx.target.exec(shellJoin(['mkdir', '-p', '--', name]));
    if (made.rc !== 0) return { ...result, failed: true, msg: `Error making dir ${name}: ${made.stderr.toString().trim()}` };
  }
  const outcome = await rewriteTextFile(ctx, {
    path: fstab,
    wanted: {},
    edit(text) {
      const edit = editFstab(text, entry, present, entry.src !== undefined);
      return edit.changed ? edit.text : text;
    },
  });
  if (outcome.failure) return { ...result, ...outcome.failure };
  return { ...result, changed: outcome.changed, ...(outcome.backupFile ? { backup_file: outcome.backupFile } : {}), ...(outcome.diff ? { diff: outcome.diff } : {}) };
}
