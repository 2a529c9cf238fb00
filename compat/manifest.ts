import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/** One public repository the corpus takes content from, pinned to a commit. */
export interface Source {
  name: string;
  /** `owner/name` on GitHub. */
  repo: string;
  commit: string;
  /** Folders to check out (all when absent): ansible/ansible is big, its targets are not. */
  sparse?: string[];
}

/** One thing to run: a role (in a play of ours) or a playbook of the source's own. */
export interface Item {
  name: string;
  source: string;
  role?: string;
  playbook?: string;
  vars?: Record<string, unknown>;
  inventory?: string;
  extraVars?: Record<string, unknown>;
  env?: Record<string, string>;
}

export interface Manifest {
  sources: Map<string, Source>;
  items: Item[];
}

/** Read compat/manifest.yml; a malformed entry is an error naming it. */
export async function loadManifest(file: string): Promise<Manifest> {
  const data = parse(await readFile(file, 'utf8')) as { sources?: Record<string, Omit<Source, 'name'>>; items?: Record<string, unknown>[] };
  const sources = new Map<string, Source>();
  for (const [name, source] of Object.entries(data.sources ?? {})) {
    if (typeof source?.repo !== 'string' || !/^[0-9a-f]{40}$/.test(String(source.commit))) {
      throw new Error(`${file}: source '${name}' needs repo: owner/name and a 40-hex commit`);
    }
    sources.set(name, { name, repo: source.repo, commit: String(source.commit), ...(source.sparse ? { sparse: source.sparse } : {}) });
  }
  const items = (data.items ?? []).map((entry): Item => {
    const name = String(entry['name']);
    const item: Item = { name, source: String(entry['source']) };
    if (!sources.has(item.source)) throw new Error(`${file}: item '${name}' names an unknown source '${item.source}'`);
    if (typeof entry['role'] === 'string') item.role = entry['role'];
    if (typeof entry['playbook'] === 'string') item.playbook = entry['playbook'];
    if (!item.role === !item.playbook) throw new Error(`${file}: item '${name}' needs exactly one of role: or playbook:`);
    if (entry['vars']) item.vars = entry['vars'] as Record<string, unknown>;
    if (typeof entry['inventory'] === 'string') item.inventory = entry['inventory'];
    if (entry['extra_vars']) item.extraVars = entry['extra_vars'] as Record<string, unknown>;
    if (entry['env']) item.env = entry['env'] as Record<string, string>;
    return item;
  });
  return { sources, items };
}
