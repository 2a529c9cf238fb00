import { shellQuote } from '../src/core/shellQuote.js';

/**
 * The one command `setup` sends: every selected collector's needs in a single shell script, so gathering
 * costs one round trip. Files are read with one `head -v` (its `==> path <==` headers tell them apart), paths
 * are tested and commands looked up with shell builtins, and the few programs that must run (uname, id, env,
 * date, awk over the dpkg database) each print under their own section marker: a line `\x1eNAME` preceded by
 * a newline, which the parser strips again, so a section's text is exactly what its command printed.
 */

/** What one collector asks of the target. */
export interface ScriptNeeds {
  /** Files whose content it reads (missing ones are simply absent from the result). */
  files?: readonly string[];
  /** Paths whose existence it tests. */
  paths?: readonly string[];
  /** Programs it looks for on PATH (found ones are listed with their path). */
  commands?: readonly string[];
  /** Named shell fragments whose output becomes the section of that name. Fixed text, no user values. */
  sections?: Readonly<Record<string, string>>;
}

/** What came back: each section's text, the files read, the paths present, the commands found. */
export interface ScriptOutput {
  sections: Map<string, string>;
  files: Map<string, string>;
  paths: Set<string>;
  commands: Map<string, string>;
}

const MARK = '\x1e';

function section(name: string, body: string): string {
  return `printf '\\n\\036%s\\n' ${shellQuote(name)}; ${body}`;
}

/** The shell script gathering everything `needs` ask for, in one command. */
export function buildFactScript(needs: readonly ScriptNeeds[]): string {
  const unique = (pick: (n: ScriptNeeds) => readonly string[] | undefined) => [...new Set(needs.flatMap((n) => pick(n) ?? []))];
  const files = unique((n) => n.files);
  const paths = unique((n) => n.paths);
  const commands = unique((n) => n.commands);
  const lines: string[] = [];
  const words = (list: string[]) => list.map(shellQuote).join(' ');
  // -n caps a runaway file (a huge fib_trie); 2>/dev/null: a missing file is an absent fact, not an error.
  if (files.length) lines.push(section('@files', `head -v -n 200000 ${words(files)} 2>/dev/null`));
  if (paths.length) lines.push(section('@paths', `for p in ${words(paths)}; do [ -e "$p" ] && printf '%s\\n' "$p"; done`));
  if (commands.length) lines.push(section('@commands', `for c in ${words(commands)}; do command -v "$c"; done`));
  const seen = new Set<string>();
  for (const need of needs) {
    for (const [name, body] of Object.entries(need.sections ?? {})) {
      if (seen.has(name)) continue;
      seen.add(name);
      lines.push(section(name, `{ ${body}\n} 2>/dev/null`));
    }
  }
  // The script's status is always 0: a failed probe is an absent fact.
  lines.push('exit 0');
  return lines.join('\n');
}

/** Split the script's output back into sections, files, paths and commands. */
export function parseFactScriptOutput(text: string): ScriptOutput {
  const sections = new Map<string, string>();
  const parts = text.split(new RegExp(`\\n${MARK}([^\\n]*)\\n`));
  for (let i = 1; i + 1 < parts.length; i += 2) sections.set(parts[i]!, parts[i + 1]!);
  const commands = new Map<string, string>();
  for (const line of lines(sections.get('@commands'))) commands.set(line.slice(line.lastIndexOf('/') + 1), line);
  return {
    sections,
    files: splitHeadOutput(sections.get('@files') ?? ''),
    paths: new Set(lines(sections.get('@paths'))),
    commands,
  };
}

function lines(text: string | undefined): string[] {
  return (text ?? '').split('\n').filter((line) => line !== '');
}

/**
 * `head -v FILE...` output into path → content. head writes a newline before every header but the first;
 * dropping that one newline gives each file's bytes back, whether or not the file ended with a newline.
 */
export function splitHeadOutput(text: string): Map<string, string> {
  const files = new Map<string, string>();
  const parts = text.split(/^==> (.*) <==\n/m);
  for (let i = 1; i < parts.length; i += 2) {
    const content = parts[i + 1] ?? '';
    const last = i + 2 >= parts.length;
    files.set(parts[i]!, last || !content.endsWith('\n') ? content : content.slice(0, -1));
  }
  return files;
}
