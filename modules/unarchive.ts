import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path/posix';
import { ModuleError } from '../src/core/errors.js';
import { scriptWithArgs, shellJoin, shellQuote } from '../src/core/shellQuote.js';
import { cleanupOnExit, createPrivateFile } from '../src/core/shellTraps.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import {
  HANDLER_NAMES, detectFormat, formatFromName, listArchive, plainTarStream, type ArchiveEntry, type ArchiveFormat,
} from './archiveListing.js';
import { fnmatch } from '../src/core/fnmatch.js';
import { formatMode, parseStates, stateCall, statePrelude } from './remoteFile.js';
import { resolveMode } from './fileAttributes.js';

/**
 * ansible.builtin.unarchive: src (controller file, or a target file with remote_src), dest (an existing
 * folder), creates, list_files, exclude, include, extra_opts, keep_newer, mode, owner, group (applied to
 * every extracted member). Formats: tar, tar.gz, tar.bz2, tar.xz, tar.zst and zip (zip needs `unzip` on
 * the target). A controller tar is decompressed on the controller and streamed (put) into a temporary file
 * in dest, never held in memory. Idempotence: the archive is listed on the controller and compared with one stat of
 * the members in dest (type, size, and for tar the mtime; not the bytes, unlike Ansible's `tar --diff`).
 * Differs: remote_src archives are not compared (always extracted unless `creates` exists); no URL src.
 */
export const unarchiveModule: ModuleDefinition = {
  name: 'unarchive',
  args: {
    src: { type: 'path', required: true },
    dest: { type: 'path', required: true },
    remote_src: { type: 'bool', default: false },
    copy: { type: 'bool', default: true },
    creates: { type: 'path' },
    list_files: { type: 'bool', default: false },
    keep_newer: { type: 'bool', default: false },
    exclude: { type: 'list', elements: 'str', default: [] },
    include: { type: 'list', elements: 'str', default: [] },
    extra_opts: { type: 'list', elements: 'str', default: [] },
    mode: { type: 'raw' },
    owner: { type: 'str' },
    group: { type: 'str' },
    decrypt: { type: 'bool', default: true },
    validate_certs: { type: 'bool', default: true },
    io_buffer_size: { type: 'int', default: 65536 },
    unsafe_writes: { type: 'bool', default: false },
  },
  run: runUnarchive,
};

interface Job {
  src: string;
  dest: string;
  local?: string;
  format: ArchiveFormat;
  include: string[];
  exclude: string[];
}

async function runUnarchive(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const src = a['src'] as string;
  const dest = a['dest'] as string;
  const include = a['include'] as string[];
  const exclude = a['exclude'] as string[];
  if (include.length && exclude.length) throw new ModuleError('parameters are mutually exclusive: include|exclude');
  const remote = (a['remote_src'] as boolean) || a['copy'] === false;
  if (remote && src.includes('://')) throw new ModuleError(`src ${src} is a URL: download it with get_url first, then unarchive it`);
  const local = remote ? undefined : ctx.controller.findFile('files', src);
  if (local) {
    const info = await stat(local).catch(() => undefined);
    if (!info) return { changed: false, failed: true, msg: `Source '${src}' failed to transfer` };
    if (info.size === 0) return { changed: false, failed: true, msg: `Invalid archive '${src}', the file is 0 bytes` };
  }
  const format = local ? await detectFormat(local) : formatFromName(src);
  if (!format) return { changed: false, failed: true, msg: `Failed to find handler for "${src}". Make sure the required command to extract the file is installed.` };
  const job: Job = { src: local ?? src, dest, format, include, exclude, ...(local ? { local } : {}) };

  const creates = a['creates'] as string | undefined;
  const probe = await probeTarget(ctx, [dest, ...(creates ? [creates] : []), ...(remote ? [src] : [])]);
  const [destState, createsState] = probe.states;
  if (creates && createsState!.exists) return { changed: false, skipped: true, msg: `skipped, since ${creates} exists` };
  if (remote && !probe.states.at(-1)!.exists) return { changed: false, failed: true, msg: `Source '${src}' does not exist` };
  if (destState!.type !== 'directory') return { changed: false, failed: true, msg: `Destination '${dest}' is not a directory` };
  if (format === 'zip' && !probe.hasUnzip) {
    return {
      changed: false,
      failed: true,
      msg: `Failed to find handler for "${src}". Make sure the required command to extract the file is installed.\nUnable to find required 'unzip' on the target: install the 'unzip' package (apt: name=unzip).`,
    };
  }

  const entries = local ? selectEntries(await listArchive(local, format).catch(() => undefined), include, exclude) : undefined;
  const result: ModuleResult = { changed: true, dest, src: job.src, handler: HANDLER_NAMES[format] };
  if (entries && (await unpacked(ctx, dest, entries))) result.changed = false;
  if (a['list_files'] && entries) result['files'] = entries.map((e) => e.name);
  if (ctx.check || !result.changed) return result;

  const extracted = await extract(ctx, job);
  result['extract_results'] = extracted;
  if (extracted.rc !== 0) return { ...result, changed: false, failed: true, msg: `failed to unpack ${job.src} to ${dest}` };
  if (a['owner'] || a['group'] || (a['mode'] !== undefined && a['mode'] !== null)) {
    const names = entries ? memberPaths(entries) : ['.'];
    const applied = await applyOwnership(ctx, dest, names, entries === undefined);
    if (applied) return { ...result, failed: true, msg: `Unexpected error when accessing exploded file: ${applied}` };
  }
  return result;
}

function selectEntries(entries: ArchiveEntry[] | undefined, include: string[], exclude: string[]): ArchiveEntry[] | undefined {
  if (!entries) return undefined;
  return entries.filter((e) => {
    const name = e.name.replace(/^\/+/, '');
    if (exclude.some((p) => fnmatch(name, p) || fnmatch(name.replace(/\/$/, ''), p))) return false;
    return !include.length || include.some((p) => fnmatch(name, p) || fnmatch(name.replace(/\/$/, ''), p));
  });
}

/** One command: `unzip` present?, then the state of each path. */
async function probeTarget(ctx: ModuleContext, paths: string[]): Promise<{ hasUnzip: boolean; states: ReturnType<typeof parseStates> }> {
  const script = `if command -v unzip >/dev/null 2>&1; then printf 1; else printf 0; fi\n${statePrelude()}${paths.map(stateCall).join('\n')}`;
  const run = await ctx.target.exec(script);
  if (run.rc !== 0) throw new ModuleError(`could not read the state of ${paths.join(', ')}: ${run.stderr.toString().trim()}`);
  return { hasUnzip: run.stdout[0] === 0x31, states: parseStates(run.stdout.subarray(1), paths) };
}

/** Members plus their top folders (Ansible sets attributes on both), relative to dest. */
function memberPaths(entries: ArchiveEntry[]): string[] {
  const names = new Set<string>();
  for (const entry of entries) {
    const name = entry.name.replace(/^\/+/, '');
    names.add(name);
    if (name.includes('/')) names.add(name.split('/')[0]!);
  }
  return [...names].filter((n) => n !== '' && n !== '.' && n !== './');
}

/**
 * True when every member is already in dest as the archive has it, with the wanted mode/owner/group: one
 * stat of all members (names on stdin, NUL-separated).
 */
async function unpacked(ctx: ModuleContext, dest: string, entries: ArchiveEntry[]): Promise<boolean> {
  const names = memberPaths(entries);
  const script = `cd ${shellQuote(dest)} && xargs -0 -r stat --printf '%n\\0%F\\0%s\\0%Y\\0%a\\0%u\\0%U\\0%g\\0%G\\0' -- 2>/dev/null; exit 0`;
  const run = await ctx.target.exec(script, { stdin: Buffer.from(names.map((n) => `${n}\0`).join('')) });
  const fields = run.stdout.toString().split('\0');
  const found = new Map<string, string[]>();
  for (let i = 0; i + 9 <= fields.length; i += 9) found.set(fields[i]!, fields.slice(i + 1, i + 9));
  const a = ctx.args;
  const byName = new Map(entries.map((e) => [e.name.replace(/^\/+/, ''), e]));
  for (const name of names) {
    const info = found.get(name);
    if (!info) return false;
    const [type, size, mtime, mode, uid, owner, gid, group] = info as [string, string, string, string, string, string, string, string];
    const entry = byName.get(name);
    if (entry && !sameType(entry, type)) return false;
    if (entry?.type === 'file' && Number(size) !== entry.size) return false;
    if (entry?.type === 'file' && entry.mtime !== undefined && Number(mtime) !== entry.mtime) return false;
    const wantedOwner = a['owner'] as string | undefined;
    const wantedGroup = a['group'] as string | undefined;
    if (wantedOwner && wantedOwner !== owner && wantedOwner !== uid) return false;
    if (wantedGroup && wantedGroup !== group && wantedGroup !== gid) return false;
    if (a['mode'] !== undefined && a['mode'] !== null && type !== 'symbolic link') {
      const current = parseInt(mode, 8);
      if (resolveMode(a['mode'], current, type === 'directory') !== current) return false;
    }
  }
  return true;
}

function sameType(entry: ArchiveEntry, statType: string): boolean {
  if (entry.type === 'directory') return statType === 'directory';
  if (entry.type === 'link') return statType === 'symbolic link';
  if (entry.type === 'file') return statType.startsWith('regular');
  return true;
}

interface ExtractResult {
  cmd: string[];
  rc: number;
  out: string;
  err: string;
}

/**
 * Unpack into dest. A controller archive (a tar decompressed on the way, so the target needs neither xz nor
 * zstd) is the stdin of the one command that unpacks it: its first lines save it beside the members, 0600
 * (an archive may hold secrets), and it is removed when the command ends, also on a signal.
 */
async function extract(ctx: ModuleContext, job: Job): Promise<ExtractResult> {
  const a = ctx.args;
  const extra = a['extra_opts'] as string[];
  let archive = job.src;
  if (job.local) archive = join(job.dest, `.playtree-unarchive-${randomBytes(4).toString('hex')}.${job.format === 'zip' ? 'zip' : 'tar'}`);
  const wildcards = job.include.some((p) => /[*?[]/.test(p)) ? ['--wildcards'] : [];
  const cmd =
    job.format === 'zip'
      ? ['unzip', '-o', ...extra, archive, ...job.include, ...(job.exclude.length ? ['-x', ...job.exclude] : []), '-d', job.dest]
      : [
          'tar', '--extract', '-C', job.dest, ...extra, ...(a['keep_newer'] ? ['--keep-newer-files'] : []),
          ...job.exclude.map((p) => `--exclude=${p}`), '-f', archive, ...wildcards, ...job.include,
        ];
  if (!job.local) {
    const run = await ctx.target.exec(shellJoin(cmd));
    return { cmd, rc: run.rc, out: run.stdout.toString(), err: run.stderr.toString() };
  }
  const receive = [
    // The trap first and never cleared on a failure, so that a signal racing the creating subshell still
    // removes the file (its random name means no other file stands there).
    cleanupOnExit(shellJoin(['rm', '-f', '--', archive])),
    `${createPrivateFile(shellQuote(archive))} || exit 1`,
    `cat >| ${shellQuote(archive)} || exit 1`,
    'exec </dev/null',
  ];
  const source = job.format === 'zip' ? createReadStream(job.local) : plainTarStream(job.local, job.format);
  try {
    const run = await ctx.target.exec([...receive, shellJoin(cmd)].join('\n'), { stdin: source });
    return { cmd, rc: run.rc, out: run.stdout.toString(), err: run.stderr.toString() };
  } catch (error) {
    // Stopped mid-stream (the local archive failed): the trap may not have run.
    await ctx.target.exec(shellJoin(['rm', '-f', '--', archive])).catch(() => undefined);
    throw error;
  }
}

/** chown/chgrp/chmod every member (names on stdin); returns the error text, or undefined when done. */
async function applyOwnership(ctx: ModuleContext, dest: string, names: string[], recursive: boolean): Promise<string | undefined> {
  const a = ctx.args;
  const r = recursive ? ['-R'] : [];
  const commands: string[] = [];
  const each = (argv: string[]) => `printf '%s\\0' "$@" | xargs -0 -r ${shellJoin(argv)} --`;
  if (a['owner']) commands.push(each(['chown', ...r, '-h', String(a['owner'])]));
  if (a['group']) commands.push(each(['chgrp', ...r, '-h', String(a['group'])]));
  if (a['mode'] !== undefined && a['mode'] !== null) {
    const mode = typeof a['mode'] === 'number' ? formatMode(a['mode']) : String(a['mode']);
    // chmod follows symlinks: leave them alone (their own mode is meaningless).
    commands.push(`for p in "$@"; do [ -L "$p" ] || printf '%s\\0' "$p"; done | xargs -0 -r ${shellJoin(['chmod', ...r, mode])} --`);
  }
  const script = `cd ${shellQuote(dest)} && set -e\n${commands.join('\n')}`;
  const run = await ctx.target.exec(scriptWithArgs(script, names));
  return run.rc === 0 ? undefined : run.stderr.toString().trim();
}
