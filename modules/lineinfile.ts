import { dirname } from 'node:path/posix';
import { ModuleError } from '../src/errors.js';
import { shellJoin } from '../src/shellQuote.js';
import type { FileDiff, ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { applyAttributes, installContent, isFailure } from './fileWriter.js';
import { compilePythonRegex as compile, expandPythonTemplate as expand } from './pythonRegex.js';
import { absentState, attributeChanges, attributeDiff, hasChanges, readPathStates } from './remoteFile.js';

/**
 * ansible.builtin.lineinfile: path (dest, destfile, name), regexp (regex), search_string, line (value),
 * state, insertafter, insertbefore, create, backrefs, backup, firstmatch, validate, mode, owner, group.
 * The same decisions as ansible-core's present()/absent(), on the file read in the state command.
 * Differs: regexps are JavaScript's (Python's named groups, \A, \Z and leading inline flags are translated, see
 * pythonRegex.ts), matched against lines without their newline.
 */
export const lineinfileModule: ModuleDefinition = {
  name: 'lineinfile',
  args: {
    path: { type: 'path', required: true, aliases: ['dest', 'destfile', 'name'] },
    state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
    regexp: { type: 'str', aliases: ['regex'] },
    search_string: { type: 'str' },
    line: { type: 'str', aliases: ['value'] },
    insertafter: { type: 'str' },
    insertbefore: { type: 'str' },
    backrefs: { type: 'bool', default: false },
    create: { type: 'bool', default: false },
    backup: { type: 'bool', default: false },
    firstmatch: { type: 'bool', default: false },
    validate: { type: 'str' },
    mode: { type: 'raw' },
    owner: { type: 'str' },
    group: { type: 'str' },
    unsafe_writes: { type: 'bool', default: false },
  },
  run: runLineinfile,
};

interface Edit {
  lines: string[];
  changed: boolean;
  msg: string;
  found?: number;
}

async function runLineinfile(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const path = a['path'] as string;
  for (const [x, y] of [['insertbefore', 'insertafter'], ['regexp', 'search_string'], ['backrefs', 'search_string']] as const) {
    if (a[x] !== undefined && a[x] !== false && a[y] !== undefined) throw new ModuleError(`parameters are mutually exclusive: ${x}|${y}`);
  }
  const present = a['state'] === 'present';
  if (present && a['backrefs'] && a['regexp'] === undefined) throw new ModuleError('regexp is required with backrefs=true');
  if (present && a['line'] === undefined) throw new ModuleError('line is required with state=present');
  if (!present && a['regexp'] === undefined && a['search_string'] === undefined && a['line'] === undefined) {
    throw new ModuleError('one of line, search_string, or regexp is required with state=absent');
  }
  const [file, parent] = await readPathStates(ctx.target, [path, dirname(path)], { follow: true, contentLimit: Number.MAX_SAFE_INTEGER });
  let current = file!;
  if (current.type === 'directory') return { changed: false, failed: true, rc: 256, msg: `Path ${path} is a directory !` };
  if (!current.exists) {
    if (!present) return { changed: false, msg: 'file not present' };
    if (!a['create']) return { changed: false, failed: true, rc: 257, msg: `Destination ${path} does not exist !` };
  }
  const dest = current.linkTarget !== undefined && current.realPath ? current.realPath : path;
  if (dest !== path) current = { ...current, path: dest };
  const before = current.content?.toString() ?? '';
  const edit = present ? editPresent(ctx, splitLines(before)) : editAbsent(ctx, splitLines(before));
  const after = edit.lines.join('');
  const contentDiff: FileDiff = { before: ctx.diff ? before : '', after: ctx.diff ? after : '', before_header: `${path} (content)`, after_header: `${path} (content)` };
  const base: ModuleResult = { changed: edit.changed, msg: edit.msg, backup: '', ...(edit.found !== undefined ? { found: edit.found } : {}) };
  if (ctx.check && !current.exists) return { ...base, ...(ctx.diff ? { diff: contentDiff } : {}) };

  const changes = attributeChanges(current, { mode: a['mode'], owner: a['owner'] as string | undefined, group: a['group'] as string | undefined });
  const attrDiff: Record<string, unknown> = {};
  if (hasChanges(changes)) {
    attributeDiff(current, changes, (attrDiff['before'] = {}) as Record<string, unknown>, (attrDiff['after'] = {}) as Record<string, unknown>);
    base.changed = true;
    base.msg = `${edit.msg}${edit.changed ? ' and ' : ''}ownership, perms or SE linux context changed`;
  }
  if (ctx.diff) base.diff = [contentDiff, { ...attrDiff, before_header: `${path} (file attributes)`, after_header: `${path} (file attributes)` } as unknown as FileDiff];
  if (ctx.check || !base.changed) return base;
  if (!edit.changed) {
    const done = await applyAttributes(ctx, dest, changes);
    return isFailure(done) ? { ...base, ...done } : base;
  }
  if (!current.exists && !parent!.exists) {
    const made = await ctx.target.exec(shellJoin(['mkdir', '-p', '--', dirname(dest)]));
    if (made.rc !== 0) return { ...base, changed: false, failed: true, msg: `Error creating ${dirname(dest)} (${made.stderr.toString().trim()})` };
  }
  const installed = await installContent(ctx, {
    dest,
    current: current.exists ? current : absentState(dest),
    data: Buffer.from(after),
    changes,
    backup: a['backup'] as boolean,
    validate: a['validate'] as string | undefined,
  });
  if (isFailure(installed)) return { ...base, ...installed, msg: installed.msg === 'failed to validate' ? `failed to validate: rc:1 error:${String(installed['stderr'] ?? '')}` : installed.msg };
  return { ...base, backup: installed.backupFile ?? '' };
}

/** Lines with their newlines, as Python's readlines() gives them. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

const strip = (line: string) => line.replace(/[\r\n]+$/, '');

function editPresent(ctx: ModuleContext, lines: string[]): Edit {
  const a = ctx.args;
  const line = a['line'] as string;
  const regexp = a['regexp'] === undefined ? undefined : compile(a['regexp'] as string);
  const search = a['search_string'] as string | undefined;
  const firstmatch = a['firstmatch'] as boolean;
  const insertbefore = a['insertbefore'] as string | undefined;
  const insertafter = insertbefore === undefined ? ((a['insertafter'] as string | undefined) ?? 'EOF') : undefined;
  const insertPattern = insertafter !== undefined && insertafter !== 'BOF' && insertafter !== 'EOF' ? compile(insertafter) : insertbefore !== undefined && insertbefore !== 'BOF' ? compile(insertbefore) : undefined;
  let index0 = -1;
  let index1 = -1;
  let match: RegExpExecArray | boolean | null = null;
  let exactLine = false;
  for (const [n, current] of lines.entries()) {
    const found = regexp ? regexp.exec(strip(current)) : search !== undefined ? current.includes(search) : false;
    if (found) {
      index0 = n;
      match = found;
      if (firstmatch) break;
    }
  }
  if (!match) {
    for (const [n, current] of lines.entries()) {
      if (strip(current) === line) {
        index0 = n;
        exactLine = true;
      } else if (insertPattern?.test(strip(current))) {
        index1 = insertafter !== undefined ? n + 1 : n;
        if (firstmatch) break;
      }
    }
  }
  const added = (at: number): Edit => {
    lines.splice(at, 0, `${line}\n`);
    return { lines, changed: true, msg: 'line added' };
  };
  const unchanged: Edit = { lines, changed: false, msg: '' };
  if (index0 !== -1) {
    let replacement = a['backrefs'] && match && typeof match === 'object' ? expand(line, match) : line;
    if (!replacement.endsWith('\n')) replacement += '\n';
    if (!regexp && search === undefined && !match && !exactLine) return unchanged;
    if (lines[index0] !== replacement) {
      lines[index0] = replacement;
      return { lines, changed: true, msg: 'line replaced' };
    }
    return unchanged;
  }
  if (a['backrefs']) return unchanged;
  if (insertbefore === 'BOF' || insertafter === 'BOF') return added(0);
  if (insertafter === 'EOF' || index1 === -1) {
    if (lines.length && !/[\n\r]$/.test(lines.at(-1)!)) lines.push('\n');
    return added(lines.length);
  }
  if (insertafter !== undefined) {
    if (index1 === lines.length) return strip(lines[index1 - 1]!) !== line ? added(lines.length) : unchanged;
    return strip(lines[index1]!) !== line ? added(index1) : unchanged;
  }
  return added(index1);
}

function editAbsent(ctx: ModuleContext, lines: string[]): Edit {
  const a = ctx.args;
  const regexp = a['regexp'] === undefined ? undefined : compile(a['regexp'] as string);
  const search = a['search_string'] as string | undefined;
  const line = a['line'] as string | undefined;
  const matches = (current: string) => (regexp ? regexp.test(strip(current)) : search !== undefined ? current.includes(search) : strip(current) === line);
  const kept = lines.filter((current) => !matches(current));
  const found = lines.length - kept.length;
  return { lines: kept, changed: found > 0, msg: found > 0 ? `${found} line(s) removed` : '', found };
}
