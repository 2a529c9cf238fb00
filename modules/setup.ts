import { ModuleError } from '../src/errors.js';
import { fnmatch } from './fnmatch.js';
import type { ModuleDefinition } from './module.js';

/**
 * `setup` / `gather_facts`: a small fact set read through the connection in one command, with no Python
 * on the target: os-release, hostname, architecture, kernel, the user. Ansible gathers far more; these are
 * the facts image-building playbooks use. `gather_subset` and `filter` are accepted; `filter` is applied.
 */
const SCRIPT = [
  'for f in /etc/os-release /usr/lib/os-release; do [ -r "$f" ] && { cat "$f"; break; }; done',
  'echo @@hostname; hostname 2>/dev/null || cat /etc/hostname 2>/dev/null || uname -n',
  'echo @@uname; uname -m; uname -r; uname -s; uname -v',
  'echo @@user; id -un 2>/dev/null; id -u; id -g; echo "$HOME"',
].join('\n');

export const setupModule: ModuleDefinition = {
  name: 'setup',
  args: {
    gather_subset: { type: 'list', elements: 'str' },
    filter: { type: 'list', elements: 'str' },
    gather_timeout: { type: 'int' },
  },
  async run(ctx) {
    const result = await ctx.target.exec(SCRIPT);
    if (result.rc !== 0) throw new ModuleError(`could not gather facts: ${result.stderr.toString().trim()}`);
    let facts = parseFacts(result.stdout.toString());
    const filters = (ctx.args['filter'] as string[] | undefined) ?? [];
    if (filters.length) {
      facts = Object.fromEntries(Object.entries(facts).filter(([name]) => filters.some((f) => fnmatch(name, f))));
    }
    return { changed: false, ansible_facts: facts };
  },
};

/** Turn the script's output into Ansible-named facts (`ansible_` prefixed, as setup returns them). */
export function parseFacts(text: string): Record<string, unknown> {
  const [osRelease = '', ...sections] = text.split(/^@@/m);
  const section = (name: string) => (sections.find((s) => s.startsWith(`${name}\n`)) ?? '').split('\n').slice(1);
  const os: Record<string, string> = {};
  for (const line of osRelease.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) os[match[1]!] = match[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  const [hostname = ''] = section('hostname');
  const [machine = '', kernel = '', system = '', kernelVersion = ''] = section('uname');
  const [userId = '', uid = '', gid = '', home = ''] = section('user');
  const distribution = distributionName(os);
  const version = os['VERSION_ID'] ?? '';
  const fqdn = hostname.trim();
  return {
    ansible_distribution: distribution,
    ansible_distribution_release: os['VERSION_CODENAME'] ?? '',
    ansible_distribution_version: version,
    ansible_distribution_major_version: version.split('.')[0] ?? '',
    ansible_os_family: osFamily(os, distribution),
    ansible_hostname: fqdn.split('.')[0],
    ansible_nodename: fqdn,
    ansible_fqdn: fqdn,
    ansible_architecture: machine,
    ansible_machine: machine,
    ansible_kernel: kernel,
    ansible_kernel_version: kernelVersion,
    ansible_system: system,
    ansible_user_id: userId,
    ansible_user_uid: Number(uid),
    ansible_user_gid: Number(gid),
    ansible_user_dir: home,
    ansible_pkg_mgr: ['Debian', 'Ubuntu'].includes(distribution) || os['ID_LIKE']?.includes('debian') ? 'apt' : 'unknown',
    ansible_service_mgr: 'systemd',
  };
}

function distributionName(os: Record<string, string>): string {
  const id = os['ID'] ?? '';
  const known: Record<string, string> = { debian: 'Debian', ubuntu: 'Ubuntu', fedora: 'Fedora', centos: 'CentOS', rhel: 'RedHat', arch: 'Archlinux', alpine: 'Alpine', opensuse: 'openSUSE' };
  return known[id] ?? (os['NAME'] ?? 'Unknown');
}

function osFamily(os: Record<string, string>, distribution: string): string {
  const ids = `${os['ID'] ?? ''} ${os['ID_LIKE'] ?? ''}`;
  if (/\b(debian|ubuntu)\b/.test(ids)) return 'Debian';
  if (/\b(rhel|fedora|centos)\b/.test(ids)) return 'RedHat';
  if (/\barch\b/.test(ids)) return 'Archlinux';
  if (/\balpine\b/.test(ids)) return 'Alpine';
  if (/\bsuse\b/.test(ids)) return 'Suse';
  return distribution;
}
