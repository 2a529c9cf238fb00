import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { readdir, stat } from 'node:fs/promises';
import { join as localJoin } from 'node:path';
import { basename, join } from 'node:path/posix';
import { ModuleError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { installContentUnread, isFailure, writeFileContent, type Installation } from './fileWriter.js';
import { formatMode, hashBuffer, hashLocalFile, readPathStates } from './remoteFile.js';
import { attributeChanges, attributeCommands, resolveMode } from './fileAttributes.js';
import { expandTargetPaths } from './targetPaths.js';
import { decryptedControllerFile } from './vaultedSource.js';
import { withProperties } from '../src/core/objectCopies.js';

/**
 * ansible.builtin.copy: content, src (controller file or folder; `remote_src` for a file on the target),
 * dest, mode (octal, symbolic, preserve), owner, group, force, backup, validate, follow, directory_mode.
 * decrypt (default true): a vault-encrypted src file is sent decrypted, as Ansible's copy action does.
 * Differs: remote_src does not copy folders; a folder copy reports changed/dest/src only.
 */
export const copyModule: ModuleDefinition = {
  name: 'copy',
  args: {
    src: { type: 'path' },
    content: { type: 'raw' },
    dest: { type: 'path', required: true },
    mode: { type: 'raw' },
    owner: { type: 'str' },
    group: { type: 'str' },
    force: { type: 'bool', default: true, aliases: ['thirsty'] },
    backup: { type: 'bool', default: false },
    remote_src: { type: 'bool', default: false },
    local_follow: { type: 'bool', default: true },
    follow: { type: 'bool', default: false },
    validate: { type: 'str' },
    directory_mode: { type: 'raw' },
    checksum: { type: 'str' },
    decrypt: { type: 'bool', default: true },
    unsafe_writes: { type: 'bool', default: false },
  },
  async run(ctx) {
    const a = ctx.args;
    await expandTargetPaths(ctx, a['remote_src'] ? ['src', 'dest'] : ['dest']);
    const dest = a['dest'] as string;
    const src = a['src'] as string | undefined;
    if (src !== undefined && a['content'] !== undefined) throw new ModuleError('src and content are mutually exclusive');
    if (src === undefined && a['content'] === undefined) throw new ModuleError('src (or content) is required');
    const common = {
      dest,
      mode: a['mode'],
      owner: a['owner'] as string | undefined,
      group: a['group'] as string | undefined,
      backup: a['backup'] as boolean,
      force: a['force'] as boolean,
      follow: a['follow'] as boolean,
      validate: a['validate'] as string | undefined,
    };
    if (a['content'] !== undefined) {
      const content = typeof a['content'] === 'string' ? a['content'] : JSON.stringify(a['content']);
      return writeFileContent(ctx, withProperties(common, { data: Buffer.from(content), label: 'dynamically generated', fromController: true }));
    }
    if (a['remote_src']) {
      if (common.mode === 'preserve') throw new ModuleError('mode: preserve is not supported with remote_src');
      return writeFileContent(ctx, withProperties(common, { remoteFile: src!, basename: basename(src!), label: src!, src: src! }));
    }
    const local = ctx.controller.findFile('files', src!);
    const info = await stat(local).catch(() => {
      throw new ModuleError(`Source ${src} not found`);
    });
    if (info.isDirectory()) return copyDirectory(ctx, local, src!.endsWith('/'));
    const decrypted = a['decrypt'] ? await decryptedControllerFile(local) : undefined;
    const source = decrypted ? { data: decrypted } : { file: local };
    return writeFileContent(ctx, withProperties(common, source, { basename: basename(local), label: local, src: local, preserveMode: info.mode & 0o7777, fromController: true }));
  },
};

interface LocalEntry {
  relative: string;
  local: string;
  isDirectory: boolean;
  mode: number;
  /** A vault-encrypted file's plaintext (decrypt: true), sent instead of the file. */
  decrypted?: Buffer;
}


/** Every file and folder under `root` (symlinks followed, as local_follow does), parents first. */
async function walk(root: string, relative = ''): Promise<LocalEntry[]> {
  const entries: LocalEntry[] = [];
  for (const name of (await readdir(localJoin(root, relative))).sort()) {
    const rel = relative ? `${relative}/${name}` : name;
    const local = localJoin(root, rel);
    const info = await stat(local);
    entries.push({ relative: rel, local, isDirectory: info.isDirectory(), mode: info.mode & 0o7777 });
    if (info.isDirectory()) entries.push(...(await walk(root, rel)));
  }
  return entries;
}

/**
 * A folder: `src/` copies its contents into dest, `src` copies the folder itself into dest. One command
 * reads every destination's state, then: one mkdir for new folders, one command per changed file (its content
 * through a 0600 temporary file given its mode and owner before the rename, as a single file's), one command
 * for the modes and owners of what is kept.
 */
async function copyDirectory(ctx: ModuleContext, local: string, contentsOnly: boolean): Promise<ModuleResult> {
  const a = ctx.args;
  const root = contentsOnly ? String(a['dest']) : join(String(a['dest']), basename(local));
  const entries = await walk(local);
  if (a['decrypt']) for (const entry of entries) if (!entry.isDirectory) entry.decrypted = await decryptedControllerFile(entry.local);
  const targets = [root, ...entries.map((e) => join(root, e.relative))];
  const states = await readPathStates(ctx.target, targets, { checksum: 'sha1' });
  const newDirectories: string[] = [];
  const installs: Installation[] = [];
  const puts: { local: string; remote: string; data?: Buffer }[] = [];
  const commands: string[] = [];
  const wanted = { owner: a['owner'] as string | undefined, group: a['group'] as string | undefined };
  if (!states[0]!.exists) newDirectories.push(root);
  for (const [index, entry] of entries.entries()) {
    const state = states[index + 1]!;
    const remote = targets[index + 1]!;
    if (entry.isDirectory) {
      if (!state.exists) newDirectories.push(remote);
      else if (state.type !== 'directory') throw new ModuleError(`${remote} exists and is not a directory`);
      commands.push(...attributeCommands(remote, attributeChanges(state, wanted)));
      continue;
    }
    const mode = a['mode'] === 'preserve' ? entry.mode : (a['mode'] ?? (state.exists ? undefined : 0o644));
    // A new file is sent without reading it first: its source is read once, by the write.
    const changed = !state.exists || state.checksum !== (entry.decrypted ? hashBuffer(entry.decrypted) : (await hashLocalFile(entry.local)).checksum);
    if (changed && (a['force'] || !state.exists)) {
      const source = entry.decrypted ? { data: entry.decrypted } : { file: entry.local };
      if (!state.exists || state.type === 'file') {
        // The write keeps the old file's mode and owner unless told otherwise (contentInstall.ts).
        installs.push({ dest: remote, current: state, ...source, changes: attributeChanges(state, { ...wanted, mode }) });
        continue;
      }
      // Anything else there (a link...) is replaced by a put, then given the old mode and owner back as it was.
      puts.push({ local: entry.local, remote, ...source });
      const keep = { mode: mode ?? state.mode, owner: wanted.owner ?? String(state.uid), group: wanted.group ?? String(state.gid) };
      commands.push(...attributeCommands(remote, attributeChanges({ ...state, exists: false }, keep)));
    } else if (state.exists) {
      commands.push(...attributeCommands(remote, attributeChanges(state, { ...wanted, mode })));
    }
  }
  const changed = newDirectories.length + installs.length + puts.length + commands.length > 0;
  const result: ModuleResult = { changed, dest: contentsOnly ? root : `${root}/`, src: local };
  if (!changed || ctx.check) return result;
  if (newDirectories.length) {
    const directoryMode = a['directory_mode'] === undefined ? [] : ['-m', formatMode(resolveMode(a['directory_mode'], 0o755, true))];
    const owners = newDirectories.flatMap((d) => attributeCommands(d, { owner: wanted.owner, group: wanted.group }));
    await runOrFail(ctx, [shellJoin(['mkdir', '-p', ...directoryMode, '--', ...newDirectories]), ...owners]);
  }
  for (const install of installs) {
    const installed = await installContentUnread(ctx, install);
    if (isFailure(installed)) throw new ModuleError(`copy failed: ${String(installed.msg)}`, { rc: installed['rc'] });
  }
  for (const put of puts) await ctx.target.put(put.data ? Readable.from([put.data]) : createReadStream(put.local), put.remote);
  if (commands.length) await runOrFail(ctx, commands);
  return result;
}

async function runOrFail(ctx: ModuleContext, commands: string[]): Promise<void> {
  const run = await ctx.target.exec(commands.join(' &&\n'));
  if (run.rc !== 0) throw new ModuleError(`copy failed: ${run.stderr.toString().trim()}`, { rc: run.rc });
}
