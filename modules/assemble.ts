import { readFile, readdir, stat } from 'node:fs/promises';
import { join as localJoin } from 'node:path';
import { ModuleError } from '../src/core/errors.js';
import { compilePythonRegex } from '../src/core/pythonRegex.js';
import { shellQuote } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { writeFileContent } from './fileWriter.js';
import { hashBuffer } from './remoteFile.js';
import { expandTargetPaths } from './targetPaths.js';
import { decryptedControllerFile } from './vaultedSource.js';

/**
 * ansible.builtin.assemble: src (a folder of fragments on the target, or on the controller with
 * remote_src=no), dest, delimiter (Python escapes such as \n decoded), regexp (fragment names to keep),
 * ignore_hidden, mode, owner, group, backup, validate, follow. Fragments are joined in name order, a newline
 * added after a fragment lacking one, the delimiter (with its newline) between fragments; the result is written
 * as copy writes a file (diff when content changes); with remote_src=no, `decrypt` (default true) decrypts
 * vault-encrypted fragments. Differs: check mode is supported (Ansible skips the task);
 * regexps are JavaScript's (Python syntax translated, see pythonRegex.ts).
 */
export const assembleModule: ModuleDefinition = {
  name: 'assemble',
  args: {
    src: { type: 'path', required: true },
    dest: { type: 'path', required: true },
    delimiter: { type: 'str' },
    regexp: { type: 'str' },
    remote_src: { type: 'bool', default: true },
    ignore_hidden: { type: 'bool', default: false },
    mode: { type: 'raw' },
    owner: { type: 'str' },
    group: { type: 'str' },
    backup: { type: 'bool', default: false },
    validate: { type: 'str' },
    follow: { type: 'bool', default: false },
    decrypt: { type: 'bool', default: true },
    unsafe_writes: { type: 'bool', default: false },
  },
  run: runAssemble,
};

export interface Fragment {
  name: string;
  content: Buffer;
}

async function runAssemble(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  await expandTargetPaths(ctx, a['remote_src'] ? ['src', 'dest'] : ['dest']);
  const src = a['src'] as string;
  const fragments = a['remote_src'] ? await remoteFragments(ctx, src) : await controllerFragments(ctx, src, a['decrypt'] as boolean);
  if (!Array.isArray(fragments)) return fragments;
  const regexp = a['regexp'] === undefined ? undefined : compilePythonRegex(a['regexp'] as string);
  const data = assembleFragments(fragments, {
    delimiter: a['delimiter'] as string | undefined,
    keep: (name) => (!regexp || regexp.test(name)) && !(a['ignore_hidden'] && name.startsWith('.')),
  });
  const result = await writeFileContent(ctx, {
    dest: a['dest'] as string,
    data,
    label: src,
    src,
    mode: a['mode'],
    owner: a['owner'] as string | undefined,
    group: a['group'] as string | undefined,
    backup: a['backup'] as boolean,
    follow: a['follow'] as boolean,
    validate: a['validate'] as string | undefined,
  });
  if (result.failed) return result;
  // Ansible's assemble names dest (never path) and always gives the md5 of what it assembled.
  const { path: _unused, ...named } = result;
  return { ...named, md5sum: hashBuffer(data, 'md5'), msg: 'OK' };
}

/** The assembled bytes, as Ansible's assemble_from_fragments joins them (fragments already in name order). */
export function assembleFragments(fragments: readonly Fragment[], options: { delimiter?: string | undefined; keep?: (name: string) => boolean }): Buffer {
  const parts: Buffer[] = [];
  const delimiter = options.delimiter ? decodePythonEscapes(options.delimiter) : undefined;
  let first = true;
  let needsNewline = false;
  for (const fragment of fragments) {
    if (options.keep && !options.keep(fragment.name)) continue;
    if (needsNewline) parts.push(Buffer.from('\n'));
    if (!first && delimiter) {
      parts.push(delimiter);
      if (delimiter[delimiter.length - 1] !== 0x0a) parts.push(Buffer.from('\n'));
    }
    parts.push(fragment.content);
    first = false;
    needsNewline = !fragment.content.subarray(-1).equals(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** Python's codecs.escape_decode: \n, \t, \\, \xNN, octal \NNN...; other backslashes stay as they are. */
export function decodePythonEscapes(text: string): Buffer {
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34 };
  const bytes: number[] = [];
  const raw = Buffer.from(text);
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    const next = String.fromCharCode(raw[i + 1] ?? 0);
    if (c !== 92 || i + 1 >= raw.length) bytes.push(c);
    else if (next in simple) (bytes.push(simple[next]!), i++);
    else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(raw.subarray(i + 2, i + 4).toString())) (bytes.push(parseInt(raw.subarray(i + 2, i + 4).toString(), 16)), (i += 3));
    else if (/[0-7]/.test(next)) {
      const digits = /^[0-7]{1,3}/.exec(raw.subarray(i + 1, i + 4).toString())![0];
      bytes.push(parseInt(digits, 8) & 0xff);
      i += digits.length;
    } else if (next === '\n') i++;
    else bytes.push(c);
  }
  return Buffer.from(bytes);
}

/** Python's sorted() on names: by code point (JavaScript's default sort is by UTF-16 unit, the same for BMP names). */
const byName = (x: Fragment, y: Fragment) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);

async function controllerFragments(ctx: ModuleContext, src: string, decrypt: boolean): Promise<Fragment[] | ModuleResult> {
  const folder = ctx.controller.findFile('files', src);
  if (!(await stat(folder).catch(() => undefined))?.isDirectory()) return { changed: false, failed: true, msg: `Source (${folder}) is not a directory` };
  const fragments: Fragment[] = [];
  for (const name of await readdir(folder)) {
    const path = localJoin(folder, name);
    if (!(await stat(path).catch(() => undefined))?.isFile()) continue;
    fragments.push({ name, content: (decrypt ? await decryptedControllerFile(path) : undefined) ?? (await readFile(path)) });
  }
  return fragments.sort(byName);
}

/** Every regular file of the target folder (links followed), names and bytes, in one command. */
async function remoteFragments(ctx: ModuleContext, src: string): Promise<Fragment[] | ModuleResult> {
  const script = `cd -- ${shellQuote(src)} 2>/dev/null || exit 3
for f in * .[!.]* ..?*; do
  [ -f "$f" ] || continue
  printf '%s\\0%s\\0' "$f" "$(stat -L -c %s -- "$f")" && cat -- "$f" || exit 4
done`;
  const run = await ctx.target.exec(script);
  if (run.rc === 3) return { changed: false, failed: true, msg: `Source (${src}) is not a directory` };
  if (run.rc !== 0) throw new ModuleError(`could not read the fragments in ${src}: ${run.stderr.toString().trim()}`);
  const fragments: Fragment[] = [];
  const out = run.stdout;
  let offset = 0;
  while (offset < out.length) {
    const nameEnd = out.indexOf(0, offset);
    const sizeEnd = out.indexOf(0, nameEnd + 1);
    if (nameEnd < 0 || sizeEnd < 0) throw new ModuleError(`could not parse the fragments of ${src} sent by the target`);
    const size = Number(out.subarray(nameEnd + 1, sizeEnd).toString());
    fragments.push({ name: out.subarray(offset, nameEnd).toString(), content: out.subarray(sizeEnd + 1, sizeEnd + 1 + size) });
    offset = sizeEnd + 1 + size;
  }
  return fragments.sort(byName);
}
