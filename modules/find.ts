import { createHash } from 'node:crypto';
import { ModuleError } from '../src/core/errors.js';
import { compilePythonRegex } from '../src/core/pythonRegex.js';
import { scriptWithArgs, shellQuote } from '../src/core/shellQuote.js';
import { fnmatch } from '../src/core/fnmatch.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { walkOrder, parseFindListing, type FoundEntry } from './findListing.js';

/**
 * ansible.builtin.find: paths (name, path; a list or comma-separated text), patterns (pattern; globs, or Python
 * regexes with use_regex, matched against the base name), excludes (exclude), contains (a Python regex matched at
 * the start of each line, or searched in the whole file with read_whole_file), file_type (file, directory, link,
 * any), recurse, depth, hidden, follow, age (`-1d`, `2w`...) with age_stamp, size (`10k`, `-1m`...),
 * get_checksum (sha1). Returns files (stat-like dicts as Ansible's), matched, examined, skipped_paths and msg.
 * The target's find lists every path's entries and stat reads them (not following links, as Ansible's lstat) in
 * ONE command; only contains and get_checksum need a second one, over the candidates. Differs: entries come in
 * os.walk's order (a folder's files, then its folders) except that a link to a folder counts as a file; `$VAR`
 * and `~` in paths are expanded by the target's shell.
 */
export const findModule: ModuleDefinition = {
  name: 'find',
  args: {
    paths: { type: 'list', elements: 'str', required: true, aliases: ['name', 'path'] },
    patterns: { type: 'list', elements: 'str', default: [], aliases: ['pattern'] },
    excludes: { type: 'list', elements: 'str', aliases: ['exclude'] },
    contains: { type: 'str' },
    read_whole_file: { type: 'bool', default: false },
    file_type: { type: 'str', default: 'file', choices: ['any', 'directory', 'file', 'link'] },
    age: { type: 'str' },
    age_stamp: { type: 'str', default: 'mtime', choices: ['atime', 'ctime', 'mtime'] },
    size: { type: 'str' },
    recurse: { type: 'bool', default: false },
    hidden: { type: 'bool', default: false },
    follow: { type: 'bool', default: false },
    get_checksum: { type: 'bool', default: false },
    use_regex: { type: 'bool', default: false },
    depth: { type: 'int' },
  },
  run: runFind,
};

const AGE_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `-2d` → -172800: a number with an optional unit letter, as Ansible's age and size. */
export function parseAmount(text: string | undefined, units: Record<string, number>, what: string): number | undefined {
  if (text === undefined) return undefined;
  const match = new RegExp(`^(-?\\d+)([${Object.keys(units).join('')}])?$`).exec(text.toLowerCase());
  if (!match) throw new ModuleError(`failed to process ${what}`, { [what]: text });
  return Number(match[1]) * (units[match[2] ?? ''] ?? 1);
}

/** Ansible's pfilter: a name is kept when a pattern matches it and no exclude does. */
export function nameFilter(patterns: string[], excludes: string[], useRegex: boolean): (name: string) => boolean {
  const wanted = patterns.length ? patterns : [useRegex ? '.*' : '*'];
  const matcher = (pattern: string): ((name: string) => boolean) => {
    if (!useRegex) return (name) => fnmatch(name, pattern);
    const regex = compilePythonRegex(pattern);
    const anchored = new RegExp(regex.source, regex.flags.replace('g', '') + 'y');
    return (name) => { anchored.lastIndex = 0; return anchored.test(name); };
  };
  const keep = wanted.map(matcher);
  const drop = excludes.map(matcher);
  return (name) => keep.some((m) => m(name)) && !drop.some((m) => m(name));
}

/** Ansible's contentfilter: a line that matches at its start, or a search of the whole text. */
export function contentMatches(text: string, pattern: string, wholeFile: boolean): boolean {
  // Python's `$` (no MULTILINE) also matches before a newline that ends the text; JavaScript's does not.
  const regex = compilePythonRegex(pattern.replace(/(?<!\\)\$/g, '(?=\\n?$)'));
  if (wholeFile) return regex.test(text);
  const atStart = new RegExp(regex.source, regex.flags + 'y');
  return (text.match(/[^\n]*\n|[^\n]+$/g) ?? []).some((line) => { atStart.lastIndex = 0; return atStart.test(line); });
}

/**
 * One command: for each path `D\0PATH\0` then its entries' stat records (name, then the fields remoteFile.ts
 * reads), or `S\0PATH\0` when it is not a folder.
 */
function listingScript(paths: string[], maxDepth: number | undefined, follow: boolean): string {
  const depth = maxDepth === undefined ? '' : ` -maxdepth ${maxDepth}`;
  const stat = `stat --printf '%n\\0%f %u %g %s %.9X %.9Y %.9Z %h %i %d %U %G\\0' --`;
  return paths
    .map((path) => {
      const p = pathWord(path);
      return `if [ -d ${p} ]; then printf 'D\\0%s\\0' ${p}; find ${follow ? '-L' : '-H'} ${p} -mindepth 1${depth} -print0 2>/dev/null | xargs -0 -r ${stat} 2>/dev/null; ` +
        `else printf 'S\\0%s\\0' ${p}; fi`;
    })
    .concat('exit 0')
    .join('\n');
}

/** A path as one shell word, `~` and `~/...` taking the target's $HOME (os.path.expanduser). */
function pathWord(path: string): string {
  if (path === '~' || path.startsWith('~/')) return `"$HOME"${shellQuote(path.slice(1))}`;
  return shellQuote(path);
}

async function runFind(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const age = parseAmount(a['age'] as string | undefined, AGE_UNITS, 'age');
  const size = parseAmount(a['size'] as string | undefined, SIZE_UNITS, 'size');
  const keepName = nameFilter(a['patterns'] as string[], (a['excludes'] as string[] | undefined) ?? [], a['use_regex'] as boolean);
  const paths = a['paths'] as string[];
  const depth = a['depth'] as number | undefined;
  // Ansible lists one level below `depth` (counted in `examined`) before it prunes.
  const maxDepth = !a['recurse'] ? 1 : depth ? depth + 1 : undefined;
  const run = await ctx.target.exec(listingScript(paths, maxDepth, a['follow'] as boolean));
  const listing = parseFindListing(run.stdout);
  const now = Date.now() / 1000;
  const fileType = a['file_type'] as string;
  let examined = 0;
  const candidates: FoundEntry[] = [];
  for (const root of listing.roots) {
    for (const entry of walkOrder(root.entries)) {
      examined++;
      if (depth && a['recurse'] && entry.depth > depth) continue;
      if (entry.name.startsWith('.') && !a['hidden']) continue;
      if (fileType !== 'any' && entry.type !== fileType) continue;
      if (!keepName(entry.name) || !withinAge(entry, now, age, a['age_stamp'] as string)) continue;
      if (entry.type === 'file' && !withinSize(entry.stat['size'] as number, size)) continue;
      candidates.push(entry);
    }
  }
  const files = await readContentChecks(ctx, candidates, fileType);
  const skipped = Object.fromEntries(listing.skipped.map((path) => [path, `'${path}' is not a directory`]));
  const result: ModuleResult = {
    changed: false,
    files: files.map((entry) => entry.stat),
    matched: files.length,
    examined,
    skipped_paths: skipped,
    msg: listing.skipped.length ? 'Not all paths examined, check warnings for details' : 'All paths examined',
  };
  if (listing.skipped.length) result['warnings'] = listing.skipped.map((path) => `Skipped '${path}' path due to this access issue: ${skipped[path]}\n`);
  return result;
}

function withinAge(entry: FoundEntry, now: number, age: number | undefined, stamp: string): boolean {
  if (age === undefined) return true;
  const elapsed = now - (entry.stat[stamp] as number);
  return age >= 0 ? elapsed >= age : elapsed <= -age;
}

function withinSize(bytes: number, size: number | undefined): boolean {
  if (size === undefined) return true;
  return size >= 0 ? bytes >= size : bytes <= -size;
}

/**
 * `contains` (regular files under file_type=file) and `checksum` (regular files under file or any) need the
 * files' bytes or digests: one more command over the candidates that need them.
 */
async function readContentChecks(ctx: ModuleContext, candidates: FoundEntry[], fileType: string): Promise<FoundEntry[]> {
  const contains = fileType === 'file' ? (ctx.args['contains'] as string | undefined) : undefined;
  const checksum = ctx.args['get_checksum'] as boolean;
  const needing = candidates.filter((entry) => entry.type === 'file' && (contains !== undefined || checksum));
  if (!needing.length) return candidates;
  const script = contains !== undefined
    ? `for f; do if [ -r "$f" ]; then wc -c < "$f"; cat -- "$f"; else echo -1; fi; done`
    : `for f; do s=$(sha1sum < "$f" 2>/dev/null) || s=-; printf '%s\\n' "\${s%% *}"; done`;
  // The names travel as arguments: a few commands for very many files keep each under the argument limit.
  const answers: (Buffer | string | undefined)[] = [];
  for (let start = 0; start < needing.length; start += FILES_PER_COMMAND) {
    const chunk = needing.slice(start, start + FILES_PER_COMMAND);
    const run = await ctx.target.exec(scriptWithArgs(script, chunk.map((entry) => entry.path)));
    const part: (Buffer | string | undefined)[] = contains !== undefined ? splitContents(run.stdout, chunk.length) : run.stdout.toString().split('\n');
    answers.push(...Array.from({ length: chunk.length }, (_, index) => part[index]));
  }
  const dropped = new Set<FoundEntry>();
  needing.forEach((entry, index) => {
    const answer = answers[index];
    if (contains !== undefined) {
      const bytes = answer as Buffer | undefined;
      if (!bytes || !contentMatches(bytes.toString('utf8'), contains, ctx.args['read_whole_file'] as boolean)) dropped.add(entry);
      else if (checksum) entry.stat['checksum'] = createHash('sha1').update(bytes).digest('hex');
    } else if (typeof answer === 'string' && answer !== '-') entry.stat['checksum'] = answer;
  });
  return candidates.filter((entry) => !dropped.has(entry));
}

const FILES_PER_COMMAND = 2000;

/** `SIZE\n<bytes>` per file (`-1\n` for an unreadable one). */
function splitContents(output: Buffer, count: number): (Buffer | undefined)[] {
  const contents: (Buffer | undefined)[] = [];
  let at = 0;
  for (let i = 0; i < count && at < output.length; i++) {
    const newline = output.indexOf(10, at);
    const size = Number(output.subarray(at, newline).toString());
    at = newline + 1;
    if (size < 0) { contents.push(undefined); continue; }
    contents.push(output.subarray(at, at + size));
    at += size;
  }
  return contents;
}
