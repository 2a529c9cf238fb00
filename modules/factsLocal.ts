/**
 * ansible_local: the target's fact_path (default /etc/ansible/facts.d) `*.fact` files, each under its name
 * without `.fact`: executable ones are run and their output read, others read. JSON first, else INI
 * (sections of options, option names lower-cased as Python's ConfigParser does), else an error text, as
 * ansible-core 2.14 reports a fact file it cannot read.
 */

const MARK_CONTENT = 'local:';
const MARK_STATUS = 'localrc:';

/**
 * The shell fragment listing the fact files of `quotedFolder` (already shell-quoted), each in a section of its
 * own (`local:NAME`), an executable one followed by its exit status (`localrc:NAME`).
 */
export function localFactsScript(quotedFolder: string): string {
  return [
    `for f in ${quotedFolder}/*.fact; do`,
    '  [ -f "$f" ] || continue; n=${f##*/}',
    `  printf '\\n\\036${MARK_CONTENT}%s\\n' "$n"`,
    `  if [ -x "$f" ]; then "$f" 2>/dev/null; printf '\\n\\036${MARK_STATUS}%s\\n%s' "$n" "$?"; else cat "$f"; fi`,
    'done',
  ].join('\n');
}

/** The local facts from the script's sections. `warn` hears about the files that did not load. */
export function localFacts(sections: ReadonlyMap<string, string>, warn: (message: string) => void, folder: string): Record<string, unknown> {
  const local: Record<string, unknown> = {};
  for (const [name, text] of sections) {
    if (!name.startsWith(MARK_CONTENT)) continue;
    const file = name.slice(MARK_CONTENT.length);
    const key = file.replace(/\.fact$/, '');
    const status = sections.get(`${MARK_STATUS}${file}`);
    if (status !== undefined && status.trim() !== '0') {
      local[key] = `Failure executing fact script (${folder}/${file}), rc: ${status.trim()}`;
      warn(local[key] as string);
      continue;
    }
    local[key] = parseFactFile(text, `${folder}/${file}`, warn);
  }
  return { local };
}

function parseFactFile(text: string, path: string, warn: (message: string) => void): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const ini = parseIni(text);
    if (ini) return ini;
    const message = `error loading facts as JSON or ini - please check content: ${path}`;
    warn(message);
    return message;
  }
}

/** A ConfigParser-style INI text into sections of options, or undefined when it is not one. */
export function parseIni(text: string): Record<string, Record<string, string>> | undefined {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  let lastKey: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (/^\s*([#;].*)?$/.test(line)) continue;
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      current = sections[header[1]!] ??= {};
      lastKey = undefined;
      continue;
    }
    if (/^\s/.test(line) && current && lastKey !== undefined) {
      current[lastKey] += `\n${line.trim()}`;
      continue;
    }
    const option = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!option || !current) return undefined;
    lastKey = option[1]!.trim().toLowerCase();
    current[lastKey] = option[2]!.trim();
  }
  return sections;
}
