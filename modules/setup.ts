import { ModuleError } from '../src/core/errors.js';
import { COLLECTORS, type CollectorContext } from './factCollectors.js';
import { buildFactScript, parseFactScriptOutput } from './factScript.js';
import { fnmatch } from '../src/core/fnmatch.js';
import type { ModuleDefinition, ModuleResult } from './module.js';

/**
 * `setup` / `gather_facts` (also Gathering Facts): Ansible 2.14's fact names and shapes, read from the TARGET
 * (for a tree: its os-release, dpkg database, /etc/hostname, fact files...) in ONE shell command, with no
 * Python on the target. Arguments: gather_subset (all, min, !all, !min, collector names such as hardware,
 * network, virtual, !name; facter and ohai accepted and gather nothing), filter (fnmatch globs, a list or
 * comma-separated), fact_path (default /etc/ansible/facts.d), gather_timeout (accepted; one command has no
 * per-collector timeout to apply). Where it differs from Ansible: see "Facts" in README.md.
 */

/** Ansible's minimal_gather_subset: gathered even with `gather_subset: '!all'`. */
const MINIMAL = new Set([
  'apparmor', 'caps', 'cmdline', 'date_time', 'distribution', 'dns', 'env', 'fips', 'local', 'lsb', 'pkg_mgr', 'platform',
  'python', 'selinux', 'service_mgr', 'ssh_pub_keys', 'user',
]);

/** The collectors a gather_subset spec selects, by ansible-core's rules ('min' always comes first). */
export function selectCollectors(spec: readonly string[]): Set<string> {
  const valid = new Set(Object.keys(COLLECTORS));
  const added = new Set<string>();
  const excluded = new Set<string>();
  const explicit = new Set<string>();
  for (const entry of ['min', ...(spec.length ? spec : ['all'])]) {
    const name = entry.trim();
    if (name === 'min') MINIMAL.forEach((n) => added.add(n));
    else if (name === 'all') valid.forEach((n) => added.add(n));
    else if (name === '!min') MINIMAL.forEach((n) => excluded.add(n));
    else if (name === '!all') valid.forEach((n) => MINIMAL.has(n) || excluded.add(n));
    else if (name.startsWith('!')) excluded.add(name.slice(1));
    else if (valid.has(name)) {
      added.add(name);
      explicit.add(name);
    } else {
      throw new ModuleError(`Bad subset '${name}' given to Ansible. gather_subset options allowed: all, ${[...valid].sort().join(', ')}`);
    }
  }
  return new Set([...added].filter((name) => !excluded.has(name) || explicit.has(name)));
}

/** The kind of image tree a connection enters (its facts then describe the tree), or undefined. */
export function treeKind(transport: string | undefined): CollectorContext['tree'] {
  const name = transport?.split('.').pop();
  return name === 'chroot' || name === 'nspawn' ? name : undefined;
}

export const setupModule: ModuleDefinition = {
  name: 'setup',
  args: {
    gather_subset: { type: 'list', elements: 'str', default: ['all'] },
    filter: { type: 'list', elements: 'str', default: [] },
    gather_timeout: { type: 'int', default: 10 },
    fact_path: { type: 'path', default: '/etc/ansible/facts.d' },
  },
  async run(ctx) {
    const spec = ctx.args['gather_subset'] as string[];
    const selected = [...selectCollectors(spec)];
    const warnings: string[] = [];
    const collectorContext: CollectorContext = {
      factPath: (ctx.args['fact_path'] as string).replace(/(.)\/+$/, '$1'),
      warn: (message) => warnings.push(message),
    };
    const tree = treeKind(ctx.target.transport);
    if (tree) collectorContext.tree = tree;
    const script = buildFactScript(selected.map((name) => COLLECTORS[name]!.needs(collectorContext)));
    const result = await ctx.target.exec(script);
    if (result.rc !== 0) throw new ModuleError(`could not gather facts: ${result.stderr.toString().trim() || `rc ${result.rc}`}`);
    const output = parseFactScriptOutput(result.stdout.toString());
    const facts: Record<string, unknown> = {};
    for (const name of selected) {
      for (const [fact, value] of Object.entries(COLLECTORS[name]!.collect(output, collectorContext))) facts[`ansible_${fact}`] = value;
    }
    Object.assign(facts, { gather_subset: spec, module_setup: true });
    const filters = ctx.args['filter'] as string[];
    const kept = filters.length ? Object.fromEntries(Object.entries(facts).filter(([name]) => filters.some((f) => fnmatch(name, f)))) : facts;
    const moduleResult: ModuleResult = { changed: false, ansible_facts: kept };
    if (warnings.length) moduleResult['warnings'] = warnings;
    return moduleResult;
  },
};
