import { createHmac, randomBytes } from 'node:crypto';
import { ModuleError } from '../src/core/errors.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { rewriteTextFile } from './textFileEdit.js';

/**
 * ansible.builtin.known_hosts: name (host), key, path (default ~/.ssh/known_hosts of the connection's user),
 * hash_host, state. The file is read and written as text, no ssh-keygen needed in the target: a host matches a
 * line listing it (or `[host]:port`) or a hashed `|1|salt|hmac` entry computed for it. A line with the same key
 * type is replaced, the key added otherwise; state=absent with a key removes that line, without a key every line
 * of the host. Differs: wildcard host patterns in the file are not matched (ssh-keygen -F would).
 */
export const knownHostsModule: ModuleDefinition = {
  name: 'known_hosts',
  args: {
    name: { type: 'str', required: true, aliases: ['host'] },
    key: { type: 'str' },
    path: { type: 'path', default: '~/.ssh/known_hosts' },
    hash_host: { type: 'bool', default: false },
    state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
  },
  run: runKnownHosts,
};

interface KnownHostLine {
  marker?: string | undefined;
  hosts: string;
  type: string;
  key: string;
}

function parseLine(line: string): KnownHostLine | undefined {
  const words = line.trim().split(/\s+/);
  if (!words[0] || words[0].startsWith('#')) return undefined;
  const marker = words[0].startsWith('@') ? words.shift() : undefined;
  if (words.length < 3) return undefined;
  return { marker, hosts: words[0]!, type: words[1]!, key: words[2]! };
}

/** Whether a known_hosts host field names `host`: listed as is, or hashed with its salt. */
export function hostMatches(hosts: string, host: string): boolean {
  return hosts.split(',').some((entry) => {
    const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(entry);
    if (!hashed) return entry.toLowerCase() === host;
    return createHmac('sha1', Buffer.from(hashed[1]!, 'base64')).update(host).digest('base64') === hashed[2];
  });
}

export function hashHost(host: string, salt = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(host).digest('base64')}`;
}

export interface KnownHostsEdit {
  text: string;
  changed: boolean;
}

/** The file with `key` (a known_hosts line for `host`) present, or the host's key (or every line) removed. */
export function editKnownHosts(text: string, host: string, key: string | undefined, present: boolean): KnownHostsEdit {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const wanted = key === undefined ? undefined : parseLine(key);
  const matching = lines.map((line, index) => ({ index, parsed: parseLine(line) })).filter(({ parsed }) => parsed && hostMatches(parsed.hosts, host));
  if (!wanted) {
    if (present || !matching.length) return { text, changed: false };
    const drop = new Set(matching.map(({ index }) => index));
    return { text: lines.filter((_, index) => !drop.has(index)).join(''), changed: true };
  }
  const same = (p: KnownHostLine) => p.marker === wanted.marker && p.type === wanted.type && p.key === wanted.key &&
    (p.hosts === wanted.hosts || (p.hosts.startsWith('|1|') && wanted.hosts.startsWith('|1|')));
  let found: number | undefined;
  let replace = true;
  for (const { index, parsed } of matching) {
    if (same(parsed!)) (found = index), (replace = false);
    else if (parsed!.type === wanted.type) found = index;
    if (found !== undefined) break;
  }
  if (!present) {
    if (found === undefined) return { text, changed: false };
    return { text: lines.filter((_, index) => index !== found).join(''), changed: true };
  }
  if (found !== undefined && !replace) return { text, changed: false };
  const kept = lines.filter((_, index) => index !== found);
  if (kept.length && !kept.at(-1)!.endsWith('\n')) kept[kept.length - 1] += '\n';
  return { text: [...kept, key!.endsWith('\n') ? key! : `${key!}\n`].join(''), changed: true };
}

async function runKnownHosts(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const host = (a['name'] as string).toLowerCase();
  const present = a['state'] === 'present';
  let key = a['key'] as string | undefined;
  if (!key && present) throw new ModuleError('No key specified when adding a host');
  if (key) {
    if (/\S+(\s+)?,(\s+)?/.test(host)) throw new ModuleError('Comma separated list of names is not supported. Please pass a single name to lookup in the known_hosts file.');
    const parsed = parseLine(key);
    if (!parsed) throw new ModuleError(`invalid key specified: ${key}`);
    if (a['hash_host']) key = key.trim().split(/\s+/).map((word, i) => (i === (parsed.marker ? 1 : 0) ? hashHost(host) : word)).join(' ');
    else if (!hostMatches(parsed.hosts, host)) throw new ModuleError('Host parameter does not match hashed host field in supplied key');
  }
  const path = await expandHome(ctx, a['path'] as string);
  const outcome = await rewriteTextFile(ctx, {
    path,
    wanted: {},
    edit: (text) => editKnownHosts(text, host, key, present).text,
  });
  if (outcome.failure) return outcome.failure;
  return { changed: outcome.changed, name: a['name'], key: key ?? null, path, hash_host: a['hash_host'], state: a['state'], ...(outcome.diff ? { diff: outcome.diff } : {}) };
}

/** `~/...` as the target's shell expands it (the connection user's home). */
async function expandHome(ctx: ModuleContext, path: string): Promise<string> {
  if (path !== '~' && !path.startsWith('~/')) return path;
  const run = await ctx.target.exec('printf %s ~');
  const home = run.stdout.toString();
  if (run.rc !== 0 || !home.startsWith('/')) throw new ModuleError(`could not find the home folder on the target for ${path}`);
  return `${home.replace(/\/$/, '')}${path.slice(1)}`;
}
