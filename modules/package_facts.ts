import { ModuleError } from '../src/core/errors.js';
import type { ModuleDefinition } from './module.js';

/**
 * ansible.builtin.package_facts: `ansible_facts.packages`, every installed package of the target's dpkg
 * database by name, each a list of `{name, version, arch, category, origin, source: 'apt'}` (a name installed for two
 * architectures has two). manager auto/apt/dpkg and strategy are accepted. Differs: `origin` is always ''
 * (it needs apt's lists, which a built tree often no longer has), as Ansible reports an unknown origin.
 */
export const packageFactsModule: ModuleDefinition = {
  name: 'package_facts',
  args: {
    manager: { type: 'list', elements: 'str', default: ['auto'] },
    strategy: { type: 'str', default: 'first', choices: ['first', 'all'] },
  },
  async run(ctx) {
    const managers = ctx.args['manager'] as string[];
    const unsupported = managers.filter((m) => !['auto', 'apt', 'dpkg'].includes(m));
    if (unsupported.length) throw new ModuleError(`manager: ${unsupported.join(', ')} not supported: playtree reads the dpkg database only (auto, apt)`);
    const read = await ctx.target.exec(['dpkg-query', '-W', '-f', FORMAT]);
    if (read.rc !== 0) throw new ModuleError(`could not read the dpkg database (dpkg-query): ${read.stderr.toString().trim()}`, { rc: read.rc });
    return { changed: false, ansible_facts: { packages: parseInstalledPackages(read.stdout.toString()) } };
  },
};

const FORMAT = '${db:Status-Status}\\t${Package}\\t${Version}\\t${Architecture}\\t${Section}\\n';

export interface PackageFact {
  name: string;
  version: string;
  arch: string;
  category: string;
  origin: string;
  source: 'apt';
}

/** dpkg-query lines (status, name, version, arch, section) into the packages dict; only installed ones count. */
export function parseInstalledPackages(output: string): Record<string, PackageFact[]> {
  const packages: Record<string, PackageFact[]> = {};
  for (const line of output.split('\n')) {
    const [status, name, version = '', arch = '', category = ''] = line.split('\t');
    if (status !== 'installed' || !name) continue;
    (packages[name] ??= []).push({ name, version, arch, category, origin: '', source: 'apt' });
  }
  return packages;
}
