/**
 * authorized_keys files as ansible.posix.authorized_key reads and writes them, on the controller: each line
 * parsed into options, type, key and comment, entries keyed by the key itself (other lines by their text) and
 * written back in their original order, new keys after.
 */

const KEY_TYPES = new Set([
  'sk-ecdsa-sha2-nistp256@openssh.com', 'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com', 'webauthn-sk-ecdsa-sha2-nistp256@openssh.com',
  'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521', 'ecdsa-sha2-nistp521-cert-v01@openssh.com', 'sk-ssh-ed25519@openssh.com', 'sk-ssh-ed25519-cert-v01@openssh.com',
  'ssh-ed25519', 'ssh-ed25519-cert-v01@openssh.com', 'ssh-dss', 'ssh-rsa', 'ssh-xmss@openssh.com', 'ssh-xmss-cert-v01@openssh.com',
  'rsa-sha2-256', 'rsa-sha2-512', 'ssh-rsa-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com', 'rsa-sha2-512-cert-v01@openssh.com',
  'ssh-dss-cert-v01@openssh.com',
]);

export interface KeyEntry {
  /** The base64 key, or the whole line for a line kept as it is. */
  id: string;
  /** undefined: a comment, blank or unreadable line, written back unchanged. */
  type?: string;
  options: [string, string | undefined][];
  comment: string;
  rank: number;
}

/** `no-pty,command="a,b"` as ordered pairs (a value keeps its quotes). */
export function parseKeyOptions(text: string | undefined): [string, string | undefined][] {
  if (!text) return [];
  const parts = text.match(/(?:[^,"']|"[^"]*"|'[^']*')+/g) ?? [];
  return parts.map((part) => {
    const at = part.indexOf('=');
    return at < 0 ? [part, undefined] : [part.slice(0, at), part.slice(at + 1)];
  });
}

/** One key line; undefined when it holds no known key type. */
export function parseKeyLine(line: string, rank: number): KeyEntry | undefined {
  const raw = line.replaceAll('\\#', '#');
  const words = raw.split(/\s+/).filter((word) => word !== '');
  if (words[0] === '#') return { id: raw, options: [], comment: '', rank };
  const typeAt = words.findIndex((word) => KEY_TYPES.has(word));
  if (typeAt < 0 || typeAt + 1 >= words.length) return undefined;
  return {
    id: words[typeAt + 1]!,
    type: words[typeAt]!,
    options: parseKeyOptions(typeAt > 0 ? words.slice(0, typeAt).join(' ') : undefined),
    comment: words.slice(typeAt + 2).join(' '),
    rank,
  };
}

/** The file's entries by id: a later line with the same key (or the same text) takes the earlier one's place. */
export function parseKeyFile(text: string): Map<string, KeyEntry> {
  const entries = new Map<string, KeyEntry>();
  (text.match(/[^\n]*\n|[^\n]+$/g) ?? []).forEach((line, rank) => {
    const entry = parseKeyLine(line, rank) ?? { id: line, options: [], comment: '', rank };
    entries.delete(entry.id);
    entries.set(entry.id, entry);
  });
  return entries;
}

export function serializeKeys(entries: Map<string, KeyEntry>): string {
  return [...entries.values()]
    .sort((x, y) => x.rank - y.rank)
    .map((entry) => {
      if (entry.type === undefined) return entry.id;
      const options = entry.options.length ? `${entry.options.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join(',')} ` : '';
      return `${options}${entry.type} ${entry.id} ${entry.comment}\n`;
    })
    .join('');
}

const sameEntry = (x: KeyEntry, y: KeyEntry) =>
  x.type === y.type && x.comment === y.comment && JSON.stringify(x.options) === JSON.stringify(y.options);

export interface KeyRequest {
  /** The keys asked for, one per line (blank and `#` lines ignored). */
  keys: string;
  present: boolean;
  exclusive: boolean;
  keyOptions?: string | undefined;
  comment?: string | undefined;
}

/** The new file text, or an error naming an invalid key; `changed` false leaves the file alone. */
export function editKeyFile(text: string, request: KeyRequest): { text: string; changed: boolean } | { error: string } {
  const entries = parseKeyFile(text);
  const existingCount = entries.size;
  const wanted = new Set<string>();
  let changed = false;
  const lines = request.keys.split(/\r\n|\r|\n/).filter((line) => line !== '' && !line.startsWith('#'));
  for (const [rank, line] of lines.entries()) {
    const parsed = parseKeyLine(line, rank);
    if (!parsed || parsed.type === undefined) return { error: `invalid key specified: ${line}` };
    if (request.keyOptions !== undefined) parsed.options = parseKeyOptions(request.keyOptions);
    if (request.comment !== undefined) parsed.comment = request.comment;
    const existing = entries.get(parsed.id);
    const matched = existing !== undefined && (sameEntry(existing, parsed) || !request.present);
    if (request.present) {
      wanted.add(parsed.id);
      if (existing && !matched) entries.delete(parsed.id);
      if (!matched) {
        entries.set(parsed.id, { ...parsed, rank: existingCount + rank });
        changed = true;
      }
    } else if (matched) {
      entries.delete(parsed.id);
      changed = true;
    }
  }
  if (request.present && request.exclusive) {
    for (const id of [...entries.keys()]) {
      if (!wanted.has(id)) {
        entries.delete(id);
        changed = true;
      }
    }
  }
  return { text: changed ? serializeKeys(entries) : text, changed };
}
