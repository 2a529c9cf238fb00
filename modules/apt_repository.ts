import { ModuleError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import { updateDelays, updateScript } from './aptCommands.js';
import { writeFileContent } from './fileWriter.js';
import type { FileDiff, ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import {
  SOURCES_DIR, SOURCES_LIST, addSource, dumpSourceFile, parseSourceFiles, parseSourceLine, removeSource, sourceFilePath, type SourceFiles,
} from './aptSources.js';

/**
 * ansible.builtin.apt_repository: repo (a `deb`/`deb-src` line), state, filename, mode, update_cache (runs
 * the target's apt-get update when something changed), update_cache_retries, update_cache_retry_max_delay.
 * One command reads sources.list and every sources.list.d/*.list; the files are compared as Ansible does
 * (normalised lines), changed ones written, emptied ones removed. Diff and check mode as Ansible; a failed
 * cache update puts the files back.
 * Differs: `ppa:` repositories are refused (they need Launchpad and a key download: write the deb line
 * and add the key with apt_key or deb822_repository); codename, install_python_apt and validate_certs are
 * accepted and unused (no Python, no PPA).
 */
export const aptRepositoryModule: ModuleDefinition = {
  name: 'apt_repository',
  args: {
    repo: { type: 'str', required: true },
    state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
    mode: { type: 'raw' },
    update_cache: { type: 'bool', default: true, aliases: ['update-cache'] },
    update_cache_retries: { type: 'int', default: 5 },
    update_cache_retry_max_delay: { type: 'int', default: 12 },
    filename: { type: 'str' },
    install_python_apt: { type: 'bool', default: true },
    validate_certs: { type: 'bool', default: true },
    codename: { type: 'str' },
  },
  run,
};

const READ_SCRIPT = `for f in ${SOURCES_LIST} ${SOURCES_DIR}/*.list; do
  [ -f "$f" ] || continue
  printf '\\000%s\\000' "$f"; cat "$f" || exit 1
done`;

async function readSourceFiles(ctx: ModuleContext): Promise<SourceFiles> {
  const read = await ctx.target.exec(READ_SCRIPT);
  if (read.rc !== 0) throw new ModuleError(`could not read the apt sources: ${read.stderr.toString().trim()}`, { rc: read.rc });
  const parts = read.stdout.toString().split('\0');
  const files = new Map<string, string>();
  for (let i = 1; i + 1 < parts.length; i += 2) files.set(parts[i]!, parts[i + 1]!);
  return parseSourceFiles(files);
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const repo = (a['repo'] as string).trim();
  const state = a['state'] as string;
  if (!repo) throw new ModuleError("Please set argument 'repo' to a non-empty value");
  if (repo.startsWith('ppa:')) {
    throw new ModuleError(`ppa repositories are not supported (${repo}): give the deb line (deb http://ppa.launchpadcontent.net/OWNER/NAME/ubuntu CODENAME main) and its key with apt_key or deb822_repository`);
  }
  const line = parseSourceLine(repo);
  if (!line.valid || !line.enabled) throw new ModuleError(`Invalid repository string: ${repo}`);
  const before = await readSourceFiles(ctx);
  const after = state === 'present' ? addSource(before, line.source, sourceFilePath(line.source, a['filename'] as string | undefined)) : removeSource(before, line.source);
  const changedFiles = [...after.keys()].filter((path) => dumpSourceFile(after.get(path)!) !== dumpSourceFile(before.get(path) ?? []));
  const result: ModuleResult = { changed: changedFiles.length > 0, repo, state };
  if (ctx.diff && changedFiles.length) result.diff = changedFiles.map((path) => fileDiff(path, before, after));
  if (!changedFiles.length || ctx.check) return result;
  for (const path of changedFiles) await saveSourceFile(ctx, path, dumpSourceFile(after.get(path)!), !before.has(path));
  if (!a['update_cache']) return result;
  try {
    await updateCache(ctx, a['update_cache_retries'] as number, a['update_cache_retry_max_delay'] as number);
  } catch (error) {
    // As Ansible: a source apt cannot update from is taken back out, so later apt tasks still work.
    for (const path of changedFiles) await saveSourceFile(ctx, path, dumpSourceFile(before.get(path) ?? []), false);
    throw error;
  }
  return result;
}

function fileDiff(path: string, before: SourceFiles, after: SourceFiles): FileDiff {
  const was = dumpSourceFile(before.get(path) ?? []);
  const now = dumpSourceFile(after.get(path)!);
  return { before: was, after: now, before_header: was ? path : '/dev/null', after_header: now ? path : '/dev/null' };
}

/** Write a sources file (mode: `mode` or 0644 for a new one), or remove it when no line is left. */
async function saveSourceFile(ctx: ModuleContext, path: string, text: string, isNew: boolean): Promise<void> {
  if (text === '') {
    const removed = await ctx.target.exec(shellJoin(['rm', '-f', '--', path]));
    if (removed.rc !== 0) throw new ModuleError(`could not remove ${path}: ${removed.stderr.toString().trim()}`);
    return;
  }
  const mode = isNew ? (ctx.args['mode'] ?? '0644') : undefined;
  const written = await writeFileContent({ ...ctx, check: false, diff: false }, { dest: path, data: Buffer.from(text), label: path, mode });
  if (written.failed) throw new ModuleError(`could not write ${path}: ${String(written.msg)}`);
}

/** The target's apt-get update, with Ansible's retries. */
export async function updateCache(ctx: ModuleContext, retries: number, maxDelay: number): Promise<void> {
  const update = await ctx.target.exec(updateScript(updateDelays(retries, maxDelay), 'true'));
  if (update.rc !== 0) throw new ModuleError(`Failed to update apt cache: ${update.stderr.toString().trim().split('\n').slice(-3).join(' ')}`, { rc: update.rc });
}
