/**
 * One-line apt sources (sources.list and sources.list.d/*.list) as Ansible's apt_repository sees them:
 * every line kept, a `deb`/`deb-src` line valid, `# deb ...` a disabled one, text after a later `#` its
 * comment; written back in Ansible's normalised form (`# ` before a disabled source, ` # ` before a
 * comment). Pure logic: unit-tested as tables.
 */

export const SOURCES_LIST = '/etc/apt/sources.list';
export const SOURCES_DIR = '/etc/apt/sources.list.d';

export interface SourceLine {
  valid: boolean;
  enabled: boolean;
  source: string;
  comment: string;
}

export function parseSourceLine(text: string): SourceLine {
  let line = text.trim();
  let enabled = true;
  let comment = '';
  if (line.startsWith('#')) {
    enabled = false;
    line = line.slice(1);
  }
  const hash = line.indexOf('#');
  if (hash > 0) {
    comment = line.slice(hash + 1).trim();
    line = line.slice(0, hash);
  }
  let source = line.trim();
  const words = source.split(/\s+/);
  const valid = source !== '' && (words[0] === 'deb' || words[0] === 'deb-src');
  if (valid) source = words.join(' ');
  return { valid, enabled, source, comment };
}

export function formatSourceLine(line: SourceLine): string {
  return `${line.enabled ? '' : '# '}${line.source}${line.comment ? ` # ${line.comment}` : ''}\n`;
}

/** Every sources file by path, as lines. */
export type SourceFiles = Map<string, SourceLine[]>;

export function parseSourceFiles(files: Map<string, string>): SourceFiles {
  const parsed: SourceFiles = new Map();
  for (const [path, text] of files) {
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    parsed.set(path, lines.map(parseSourceLine));
  }
  return parsed;
}

/** A file's text as Ansible writes it; empty when it holds no line (Ansible then deletes it). */
export function dumpSourceFile(lines: readonly SourceLine[]): string {
  return lines.map(formatSourceLine).join('');
}

/**
 * The file Ansible picks for a new source: sources.list.d/NAME.list, NAME from `filename` or from the URL's
 * host and path (options, scheme and credentials dropped, other characters turned into `_`). A filename with
 * a `/` is a path as it is.
 */
export function sourceFilePath(source: string, filename: string | undefined): string {
  let name = filename;
  if (name === undefined) {
    const words = source.replace(/\[[^\]]+\]/g, '').replace(/\w+:\/\//g, '').split(/\s+/).filter((w) => w && w !== 'deb' && w !== 'deb-src');
    const first = (words[0] ?? '').split('@').pop() ?? '';
    name = first.replace(/[^a-zA-Z0-9]/g, ' ').trim().split(/\s+/).join('_');
  }
  const file = `${name}.list`;
  return file.includes('/') ? file : `${SOURCES_DIR}/${file}`;
}

/** Add `source` (enabling disabled copies of it wherever they are), else append it to `file`. */
export function addSource(files: SourceFiles, source: string, file: string): SourceFiles {
  const next: SourceFiles = new Map([...files].map(([path, lines]) => [path, lines.map((l) => ({ ...l }))]));
  let found = false;
  for (const lines of next.values()) {
    for (const line of lines) {
      if (line.valid && line.source === source) {
        line.enabled = true;
        found = true;
      }
    }
  }
  if (!found) next.set(file, [...(next.get(file) ?? []), { valid: true, enabled: true, source, comment: '' }]);
  return next;
}

/** Drop every enabled copy of `source`. */
export function removeSource(files: SourceFiles, source: string): SourceFiles {
  return new Map([...files].map(([path, lines]) => [path, lines.filter((l) => !(l.valid && l.enabled && l.source === source))]));
}
