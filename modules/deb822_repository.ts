import { ModuleError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import { writeFileContent } from './fileWriter.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { downloadKey, isArmored } from './aptKeys.js';

/**
 * ansible.builtin.deb822_repository (ansible-core 2.15+): writes /etc/apt/sources.list.d/SLUG.sources, SLUG
 * the lower-cased `name` with `_`/spaces turned into `-` and other characters dropped; its fields in
 * Ansible's order (sorted by argument name) and form (lists space-separated, booleans yes/no, multi-line
 * values indented with `.` for empty lines). `signed_by`: a URL is downloaded by the controller into
 * /etc/apt/keyrings/SLUG.asc (or .gpg) and named by path; key text is embedded; anything else is a path.
 * Every argument of Ansible's is supported; `state: absent` removes the .sources file and SLUG's key files.
 * Differs: a signed_by that is neither a URL nor key text is taken as a path without checking it exists.
 * Updating the apt cache is left to `apt: update_cache: true`, as with Ansible.
 */
const boolArg = { type: 'bool' } as const;
const listArg = { type: 'list', elements: 'str' } as const;

export const deb822RepositoryModule: ModuleDefinition = {
  name: 'deb822_repository',
  args: {
    allow_downgrade_to_insecure: boolArg,
    allow_insecure: boolArg,
    allow_weak: boolArg,
    architectures: listArg,
    by_hash: boolArg,
    check_date: boolArg,
    check_valid_until: boolArg,
    components: listArg,
    date_max_future: { type: 'int' },
    enabled: boolArg,
    inrelease_path: { type: 'str' },
    languages: listArg,
    name: { type: 'str', required: true },
    pdiffs: boolArg,
    signed_by: { type: 'str' },
    suites: listArg,
    targets: listArg,
    trusted: boolArg,
    types: { type: 'list', elements: 'str', default: ['deb'] },
    uris: listArg,
    mode: { type: 'raw', default: '0644' },
    state: { type: 'str', default: 'present', choices: ['present', 'absent'] },
  },
  run,
};

const KEYRINGS_DIR = '/etc/apt/keyrings';

export function repositorySlug(name: string): string {
  return name.toLowerCase().replace(/[_\s]+/g, '-').replace(/[^a-z0-9-]+/g, '');
}

/** Ansible's field name for an argument. */
function fieldName(arg: string): string {
  if (arg === 'name') return 'X-Repolib-Name';
  if (arg === 'uris') return 'URIs';
  return arg.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('-');
}

/** The .sources text from field values (already final strings), sorted by argument name. */
export function sourcesText(fields: Record<string, string>): string {
  return Object.keys(fields)
    .sort()
    .map((arg) => {
      const value = fields[arg]!;
      if (!value.includes('\n')) return `${fieldName(arg)}: ${value}\n`;
      const lines = value.trim().split('\n').map((line) => `    ${line.trim() || '.'}`);
      return `${fieldName(arg)}:\n${lines.join('\n')}\n`;
    })
    .join('');
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const slug = repositorySlug(a['name'] as string);
  const dest = `/etc/apt/sources.list.d/${slug}.sources`;
  const keyFiles = ['asc', 'gpg'].map((ext) => `${KEYRINGS_DIR}/${slug}.${ext}`);
  if (a['state'] === 'absent') return removeRepository(ctx, dest, keyFiles);
  const types = a['types'] as string[];
  const badType = types.find((t) => t !== 'deb' && t !== 'deb-src');
  if (badType !== undefined) throw new ModuleError(`value of types must be one or more of: deb, deb-src. Got no match for: ${badType}`);
  const fields: Record<string, string> = {};
  let changed = false;
  let keyFilename: string | null = null;
  for (const [arg, value] of Object.entries(a)) {
    if (value === undefined || value === null || arg === 'mode' || arg === 'state') continue;
    if (typeof value === 'boolean') fields[arg] = value ? 'yes' : 'no';
    else if (Array.isArray(value)) fields[arg] = value.join(' ');
    else fields[arg] = String(value);
  }
  if (fields['signed_by'] !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(fields['signed_by'])) {
    const key = await downloadKey(fields['signed_by'], true);
    keyFilename = keyFiles[isArmored(key) ? 0 : 1]!;
    if (!ctx.check) await ctx.target.exec(shellJoin(['mkdir', '-p', '-m', '0755', '--', KEYRINGS_DIR]));
    const written = await writeFileContent(ctx, { dest: keyFilename, data: key, label: keyFilename, mode: '0644' });
    if (written.failed) throw new ModuleError(`could not write ${keyFilename}: ${String(written.msg)}`);
    changed ||= written.changed;
    fields['signed_by'] = keyFilename;
  }
  const repo = sourcesText(fields);
  const written = await writeFileContent(ctx, { dest, data: Buffer.from(repo), label: dest, mode: a['mode'] });
  if (written.failed) throw new ModuleError(`could not write ${dest}: ${String(written.msg)}`);
  return { changed: changed || written.changed, repo, dest, key_filename: keyFilename, ...(written.diff ? { diff: written.diff } : {}) };
}

async function removeRepository(ctx: ModuleContext, dest: string, keyFiles: string[]): Promise<ModuleResult> {
  const paths = [dest, ...keyFiles];
  const script = `for f in ${paths.map((p) => shellJoin([p])).join(' ')}; do [ -e "$f" ] && echo "$f"; done; true`;
  const present = (await ctx.target.exec(script)).stdout.toString().split('\n').filter(Boolean);
  if (present.length && !ctx.check) {
    const removed = await ctx.target.exec(shellJoin(['rm', '-f', '--', ...present]));
    if (removed.rc !== 0) throw new ModuleError(`could not remove ${present.join(', ')}: ${removed.stderr.toString().trim()}`);
  }
  return { changed: present.length > 0, repo: null, dest, key_filename: keyFiles[1] };
}
