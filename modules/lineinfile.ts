import { ModuleError } from '../src/core/errors.js';
import type { FileDiff, ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { isFailure } from './fileWriter.js';
import { compilePythonRegex as compile, expandPythonTemplate as expand } from '../src/core/pythonRegex.js';
import { attributeOutcome, readTextFile, saveTextFile } from './textFileEdit.js';
import { expandTargetPaths } from './targetPaths.js';

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
  run: async (ctx) => withEmptyPatternWarning(ctx, await runLineinfile(ctx)),
};

interface Edit {
  lines: string[];
  changed: boolean;
  msg: string;
  found?: number;
}

async function runLineinfile(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  await expandTargetPaths(ctx, ['path']);
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
  const file = await readTextFile(ctx, path);
  if (isFailure(file)) return file;
  if (!file.state.exists) {
    if (!present) return { changed: false, msg: 'file not present' };
    if (!a['create']) return { changed: false, failed: true, rc: 257, msg: `Destination ${path} does not exist !` };
  }
  const edit = present ? editPresent(ctx, splitLines(file.text)) : editAbsent(ctx, splitLines(file.text));
  const after = edit.lines.join('');
  const contentDiff: FileDiff = { before: ctx.diff ? file.text : '', after: ctx.diff ? after : '', before_header: `${path} (content)`, after_header: `${path} (content)` };
  const found = edit.found !== undefined ? { found: edit.found } : {};
  if (ctx.check && !file.state.exists) return { changed: edit.changed, msg: edit.msg, backup: '', ...found, ...(ctx.diff ? { diff: contentDiff } : {}) };
  const attributes = attributeOutcome(ctx, file, edit.changed, edit.msg);
  const base: ModuleResult = { changed: attributes.changed, msg: attributes.msg, backup: '', ...found, ...(ctx.diff ? { diff: [contentDiff, attributes.diff] } : {}) };
  if (ctx.check || !base.changed) return base;
  const saved = await saveTextFile(ctx, file, edit.changed ? after : undefined, attributes.changes);
  if (isFailure(saved)) return saved;
  return { ...base, backup: saved.backupFile ?? '' };
}

/** An empty regexp or search_string matches every line: Ansible warns (and still goes on). */
function withEmptyPatternWarning(ctx: ModuleContext, result: ModuleResult): ModuleResult {
  const regexpEmpty = ctx.args['regexp'] === '';
  if (!regexpEmpty && ctx.args['search_string'] !== '') return result;
  let warning = `The ${regexpEmpty ? 'regular expression' : 'search string'} is an empty string, which will match every line in the file. ` +
    'This may have unintended consequences, such as replacing the last line in the file rather than appending.';
  if (regexpEmpty) warning += " If this is desired, use '^' to match every line in the file and avoid this warning.";
  const earlier = Array.isArray(result['warnings']) ? (result['warnings'] as string[]) : [];
  return { ...result, warnings: [...earlier, warning] };
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
