import { ModuleError } from '../src/core/errors.js';
import type { FileDiff, ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { compilePythonRegex } from '../src/core/pythonRegex.js';
import { attributeOutcome, readTextFile, saveTextFile, splitKeepingEnds } from './textFileEdit.js';
import { isFailure } from './fileWriter.js';

/**
 * ansible.builtin.blockinfile: path (dest, destfile, name), block (content), marker, marker_begin,
 * marker_end, insertafter, insertbefore (regex, EOF, BOF), create, backup, state, validate, mode, owner,
 * group, append_newline and prepend_newline (ansible-core 2.16). The decisions are ansible-core's, on the
 * file read in one command. Differs: regexps are JavaScript's (Python syntax translated, see pythonRegex.ts).
 */
export const blockinfileModule: ModuleDefinition = {
  name: 'blockinfile',
  args: {
    path: { type: 'path', required: true, aliases: ['dest', 'destfile', 'name'] },
    state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
    marker: { type: 'str', default: '# {mark} ANSIBLE MANAGED BLOCK' },
    block: { type: 'str', default: '', aliases: ['content'] },
    insertafter: { type: 'str' },
    insertbefore: { type: 'str' },
    create: { type: 'bool', default: false },
    backup: { type: 'bool', default: false },
    validate: { type: 'str' },
    marker_begin: { type: 'str', default: 'BEGIN' },
    marker_end: { type: 'str', default: 'END' },
    append_newline: { type: 'bool', default: false },
    prepend_newline: { type: 'bool', default: false },
    mode: { type: 'raw' },
    owner: { type: 'str' },
    group: { type: 'str' },
    unsafe_writes: { type: 'bool', default: false },
  },
  run: runBlockinfile,
};

async function runBlockinfile(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const path = a['path'] as string;
  if (a['insertbefore'] !== undefined && a['insertafter'] !== undefined) throw new ModuleError('parameters are mutually exclusive: insertbefore|insertafter');
  const file = await readTextFile(ctx, path);
  if (isFailure(file)) return file;
  const present = a['state'] === 'present';
  if (!file.state.exists) {
    if (!a['create']) return { changed: false, failed: true, rc: 257, msg: `Path ${path} does not exist !` };
    if (!present) return { changed: false, msg: `File ${path} not present` };
  }
  const original = file.state.exists ? file.text : undefined;
  const result = placeBlock(original ?? '', {
    block: a['block'] as string,
    present,
    marker: a['marker'] as string,
    markerBegin: a['marker_begin'] as string,
    markerEnd: a['marker_end'] as string,
    insertafter: a['insertafter'] as string | undefined,
    insertbefore: a['insertbefore'] as string | undefined,
    appendNewline: a['append_newline'] as boolean,
    prependNewline: a['prepend_newline'] as boolean,
  });
  const contentChanged = original !== result.text;
  const msg = !contentChanged ? '' : original === undefined ? 'File created' : result.removedOnly ? 'Block removed' : 'Block inserted';
  const diff: FileDiff = { before: ctx.diff && original ? original : '', after: ctx.diff ? result.text : '', before_header: `${path} (content)`, after_header: `${path} (content)` };
  if (ctx.check && !file.state.exists) return { changed: contentChanged, msg, ...(ctx.diff ? { diff } : {}) };
  const attributes = attributeOutcome(ctx, file, contentChanged, msg);
  const base: ModuleResult = { changed: attributes.changed, msg: attributes.msg, ...(ctx.diff ? { diff: [diff, attributes.diff] } : {}) };
  if (ctx.check || !base.changed) return base;
  const saved = await saveTextFile(ctx, file, contentChanged ? result.text : undefined, attributes.changes);
  if (isFailure(saved)) return saved;
  return { ...base, ...(saved.backupFile ? { backup_file: saved.backupFile } : {}) };
}

export interface BlockPlacement {
  block: string;
  present: boolean;
  marker: string;
  markerBegin: string;
  markerEnd: string;
  insertafter?: string | undefined;
  insertbefore?: string | undefined;
  appendNewline?: boolean;
  prependNewline?: boolean;
}

/**
 * ansible-core's blockinfile on the file's text: an existing marked block is replaced where it stands;
 * otherwise the block goes after the last line matching insertafter (or before the last matching
 * insertbefore), at EOF/BOF, or at EOF when nothing matches. A `(?m)` pattern is searched in the whole text.
 */
export function placeBlock(original: string, options: BlockPlacement): { text: string; removedOnly: boolean } {
  const lines = splitKeepingEnds(original);
  let { insertafter, insertbefore } = options;
  if (insertbefore === undefined && insertafter === undefined) insertafter = 'EOF';
  const insertPattern =
    insertafter !== undefined && insertafter !== 'EOF'
      ? compilePythonRegex(insertafter)
      : insertbefore !== undefined && insertbefore !== 'BOF'
        ? compilePythonRegex(insertbefore)
        : undefined;
  const begin = `${options.marker.replaceAll('{mark}', options.markerBegin)}\n`;
  const end = `${options.marker.replaceAll('{mark}', options.markerEnd)}\n`;
  let blockLines: string[] = [];
  if (options.present && options.block) {
    const block = options.block.endsWith('\n') ? options.block : `${options.block}\n`;
    blockLines = [begin, ...splitKeepingEnds(block), end];
  }
  let n0: number | undefined;
  let n1: number | undefined;
  lines.forEach((line, i) => {
    if (line === begin) n0 = i;
    if (line === end) n1 = i;
  });
  if (n0 === undefined || n1 === undefined) {
    n0 = undefined;
    if (insertPattern) {
      if (insertPattern.flags.includes('m')) {
        const match = insertPattern.exec(original);
        if (match) {
          const upTo = insertafter !== undefined ? match.index + match[0].length : match.index;
          n0 = (original.slice(0, upTo).match(/\n/g) ?? []).length;
        }
      } else {
        lines.forEach((line, i) => {
          if (insertPattern.test(line)) n0 = i;
        });
      }
      if (n0 === undefined) n0 = lines.length;
      else if (insertafter !== undefined) n0 += 1;
    } else {
      n0 = insertbefore !== undefined ? 0 : lines.length;
    }
  } else if (n0 < n1) {
    lines.splice(n0, n1 - n0 + 1);
  } else {
    lines.splice(n1, n0 - n1 + 1);
    n0 = n1;
  }
  if (n0 > 0 && !lines[n0 - 1]!.endsWith('\n')) lines[n0 - 1] += '\n';
  if (blockLines.length) {
    if (options.prependNewline && n0 > 0 && lines[n0 - 1] !== '\n') blockLines.unshift('\n');
    if (options.appendNewline && n0 < lines.length && lines[n0] !== '\n') blockLines.push('\n');
  }
  lines.splice(n0, 0, ...blockLines);
  return { text: lines.join(''), removedOnly: blockLines.length === 0 };
}
