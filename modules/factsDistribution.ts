/**
 * Distribution, lsb and architecture facts from the target's own files: os-release, /etc/debian_version,
 * /etc/lsb-release and the dpkg database. Names and shapes are ansible-core 2.14's; the values are what its
 * distribution collector gives on the same files (with the system `distro` library, as on a Debian host with
 * python3-distro: Debian's version is the precise one of /etc/debian_version, e.g. 12.11).
 */

type Facts = Record<string, unknown>;

/** os-release `KEY=value` lines, quotes removed. */
export function parseOsRelease(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) values[match[1]!] = match[2]!.replace(/^(["'])(.*)\1$/, '$2').replace(/\\(["'$`\\])/g, '$1');
  }
  return values;
}

/** Ansible's distribution names by os-release ID (distro.id() capitalised, with its own exceptions). */
const DISTRIBUTION_BY_ID: Record<string, string> = {
  debian: 'Debian', ubuntu: 'Ubuntu', raspbian: 'Debian', linuxmint: 'Linux Mint', kali: 'Kali', devuan: 'Devuan',
  pop: 'Pop!_OS', fedora: 'Fedora', centos: 'CentOS', rhel: 'RedHat', rocky: 'Rocky', almalinux: 'AlmaLinux',
  amzn: 'Amazon', arch: 'Archlinux', alpine: 'Alpine', opensuse: 'openSUSE', 'opensuse-leap': 'openSUSE Leap',
  'opensuse-tumbleweed': 'openSUSE Tumbleweed', sles: 'SLES', gentoo: 'Gentoo',
};

/** Ansible's OS_FAMILY_MAP, inverted (the names playtree can report). */
const FAMILY: Record<string, string> = {
  Debian: 'Debian', Ubuntu: 'Debian', 'Linux Mint': 'Debian', Kali: 'Debian', Devuan: 'Debian', 'Pop!_OS': 'Debian',
  RedHat: 'RedHat', Fedora: 'RedHat', CentOS: 'RedHat', Rocky: 'RedHat', AlmaLinux: 'RedHat', Amazon: 'RedHat',
  Archlinux: 'Archlinux', Alpine: 'Alpine', Gentoo: 'Gentoo',
  openSUSE: 'Suse', 'openSUSE Leap': 'Suse', 'openSUSE Tumbleweed': 'Suse', SLES: 'Suse',
};

/**
 * distribution, distribution_version/_major_version/_minor_version/_release, os_family and the
 * distribution_file_* facts. `files` maps paths to contents.
 */
export function distributionFacts(files: ReadonlyMap<string, string>): Facts {
  const path = files.has('/etc/os-release') ? '/etc/os-release' : files.has('/usr/lib/os-release') ? '/usr/lib/os-release' : undefined;
  if (!path) return { distribution: 'OtherLinux', distribution_version: '', distribution_major_version: 'NA', distribution_release: 'NA', os_family: 'OtherLinux' };
  const text = files.get(path)!;
  const os = parseOsRelease(text);
  const id = (os['ID'] ?? '').toLowerCase();
  const distribution = DISTRIBUTION_BY_ID[id] ?? (id ? id[0]!.toUpperCase() + id.slice(1) : 'OtherLinux');
  let version = os['VERSION_ID'] ?? '';
  let release = os['VERSION_CODENAME'] ?? os['UBUNTU_CODENAME'] ?? '';
  const facts: Facts = { distribution };
  const debianVersion = files.get('/etc/debian_version')?.trim();
  if (distribution === 'Debian') {
    // Stable: "12.11" is more precise than VERSION_ID "12"; testing/sid: "trixie/sid", no VERSION_ID.
    if (debianVersion && (version === '' || debianVersion.startsWith(`${version}.`))) version = debianVersion;
    const pretty = /\(([^)]+)\)/.exec(os['PRETTY_NAME'] ?? '');
    if (pretty) release = pretty[1]!;
    const minor = /(\d+)\.(\d+)/.exec(debianVersion ?? '');
    if (minor) facts['distribution_minor_version'] = minor[2];
  }
  Object.assign(facts, {
    distribution_version: version,
    distribution_major_version: version.split('.')[0] || 'NA',
    distribution_release: release || 'NA',
    os_family: FAMILY[distribution] ?? distribution,
  });
  // Ansible names the parser that recognised the file: Debian's knows Debian, Ubuntu and their derivatives.
  if (FAMILY[distribution] === 'Debian') Object.assign(facts, { distribution_file_path: path, distribution_file_variety: 'Debian', distribution_file_parsed: true });
  else if (['Archlinux', 'Amazon'].includes(distribution)) Object.assign(facts, { distribution_file_path: path, distribution_file_variety: distribution, distribution_file_parsed: true });
  else if (FAMILY[distribution] === 'Suse') Object.assign(facts, { distribution_file_path: path, distribution_file_variety: 'SUSE', distribution_file_parsed: true });
  return facts;
}

/**
 * ansible_lsb: /etc/lsb-release when the tree has one (Ubuntu), else the same fields from os-release, as
 * `lsb_release -a` would print them (Debian has no /etc/lsb-release; playtree never runs lsb_release).
 */
export function lsbFacts(files: ReadonlyMap<string, string>): Facts {
  const lsb: Record<string, string> = {};
  const file = files.get('/etc/lsb-release');
  if (file !== undefined) {
    const keys: Record<string, string> = { DISTRIB_ID: 'id', DISTRIB_RELEASE: 'release', DISTRIB_DESCRIPTION: 'description', DISTRIB_CODENAME: 'codename' };
    for (const [key, value] of Object.entries(parseOsRelease(file))) if (keys[key] && value) lsb[keys[key]] = value;
  } else {
    const text = files.get('/etc/os-release') ?? files.get('/usr/lib/os-release');
    if (text === undefined) return { lsb: {} };
    const os = parseOsRelease(text);
    const id = os['ID'] ?? '';
    Object.assign(lsb, {
      id: id === 'debian' ? 'Debian' : os['NAME']?.split(' ')[0] ?? id,
      description: os['PRETTY_NAME'] ?? os['NAME'] ?? '',
      release: os['VERSION_ID'] ?? 'n/a',
      codename: os['VERSION_CODENAME'] ?? 'n/a',
    });
  }
  if (lsb['release'] !== undefined) lsb['major_release'] = lsb['release'].split('.')[0]!;
  return { lsb };
}

/** dpkg architecture → the `uname -m` such a machine reports, and its userland's word size. */
const DPKG_ARCHITECTURES: Record<string, [machine: string, bits: string]> = {
  amd64: ['x86_64', '64'], i386: ['i686', '32'], x32: ['x86_64', '32'], arm64: ['aarch64', '64'], armhf: ['armv7l', '32'],
  armel: ['armv5tel', '32'], ppc64el: ['ppc64le', '64'], ppc64: ['ppc64', '64'], powerpc: ['ppc', '32'], s390x: ['s390x', '64'],
  riscv64: ['riscv64', '64'], mips64el: ['mips64', '64'], mipsel: ['mips', '32'], loong64: ['loongarch64', '64'],
  sparc64: ['sparc64', '64'], alpha: ['alpha', '64'], hppa: ['parisc', '32'], m68k: ['m68k', '32'], sh4: ['sh4', '32'],
};

/**
 * machine, architecture, userspace_architecture, userspace_bits. From the tree's dpkg architecture when it
 * has one (a foreign tree run under qemu reports its own), else from `uname -m`.
 */
export function architectureFacts(dpkgArchitecture: string | undefined, unameMachine: string): Facts {
  const known = dpkgArchitecture ? DPKG_ARCHITECTURES[dpkgArchitecture] : undefined;
  const machine = known?.[0] ?? unameMachine;
  const bits = known?.[1] ?? (/64|s390x/.test(machine) ? '64' : '32');
  const facts: Facts = { machine, userspace_bits: bits, architecture: /^i[3-6]86$/.test(machine) ? 'i386' : machine };
  if (machine === 'x86_64' || /^i[3-6]86$/.test(machine)) facts['userspace_architecture'] = bits === '64' ? 'x86_64' : 'i386';
  return facts;
}
