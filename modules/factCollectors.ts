import { readFileSync } from 'node:fs';
import { shellQuote } from '../src/core/shellQuote.js';
import type { ScriptNeeds, ScriptOutput } from './factScript.js';
import { architectureFacts, distributionFacts, lsbFacts } from './factsDistribution.js';
import { cpuFacts, detectedVirtualization, loadFacts, memoryFacts, mountFacts, networkFacts, uptimeFacts, VIRTUAL_FILES, VIRTUAL_PATHS } from './factsHardware.js';
import { localFacts, localFactsScript } from './factsLocal.js';
import {
  cmdlineFacts, dateTimeFacts, dnsFacts, environmentFacts, hostNameFacts, pythonFacts, SERVICE_MANAGER_PATHS, serviceManagerFacts, sshHostKeyFacts, userFacts,
} from './factsSystem.js';

/**
 * Ansible's fact collectors, each as what it needs from the target and how its facts come out of the answer.
 * `tree` is the kind of image-tree connection (chroot or nspawn), undefined for the local connection and
 * plugins: a tree's host name, service manager and virtualization describe the tree, not the build host.
 */
export interface CollectorContext {
  tree?: 'chroot' | 'nspawn';
  factPath: string;
  warn: (message: string) => void;
}

type Facts = Record<string, unknown>;

interface Collector {
  needs(ctx: CollectorContext): ScriptNeeds;
  collect(out: ScriptOutput, ctx: CollectorContext): Facts;
}

const OS_RELEASE_FILES = ['/etc/os-release', '/usr/lib/os-release', '/etc/debian_version', '/etc/lsb-release'];
const PYTHON = '/usr/bin/python3';
/** The dpkg database is sorted by package: awk stops at dpkg's stanza (its architecture is the tree's) or python3's. */
const DPKG_SECTION = {
  dpkg: `py=; [ -e ${PYTHON} ] && py=1; [ -r /var/lib/dpkg/status ] && awk -v py="$py" '/^Package: /{p=$2} p=="dpkg"&&/^Architecture: /{print "arch " $2; if(py=="") exit} p=="python3"&&/^Version: /{print "python3 " $2; exit}' /var/lib/dpkg/status`,
};

function dpkgValue(out: ScriptOutput, key: string): string | undefined {
  return new RegExp(`^${key} (\\S+)$`, 'm').exec(out.sections.get('dpkg') ?? '')?.[1];
}

/** /proc is empty in a chroot (the driver mounts nothing); the tree shares the controller's kernel and hardware. */
function kernelFile(out: ScriptOutput, ctx: CollectorContext, path: string): string | undefined {
  const text = out.files.get(path);
  if (text !== undefined || ctx.tree !== 'chroot') return text;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** 1 January and 1 July (noon UTC) of this year: the zone's winter and summer names come from them. */
function dateSection(): string {
  const year = new Date().getUTCFullYear();
  const [january, july] = [Date.UTC(year, 0, 1, 12), Date.UTC(year, 6, 1, 12)].map((ms) => ms / 1000);
  const format = "'+%s %N %z %Z'";
  return `date -f - ${format} <<EOF || date ${format}\nnow\n@${january}\n@${july}\nEOF`;
}

export const COLLECTORS: Record<string, Collector> = {
  platform: {
    needs: () => ({
      files: ['/etc/hostname', '/etc/hosts', '/etc/machine-id', '/var/lib/dbus/machine-id', ...Object.values(KERNEL_FILES)],
      // uname only where /proc is not mounted (a chroot): reading /proc/sys/kernel costs no process.
      sections: { uname: `[ -r ${KERNEL_FILES.machine} ] || { uname -snrm; uname -v; }`, ...DPKG_SECTION },
    }),
    collect(out, ctx) {
      const { system, nodename, kernel, kernelVersion, machine } = unameFields(out);
      const treeName = ctx.tree ? out.files.get('/etc/hostname')?.split('\n')[0]?.trim() : undefined;
      const machineId = (out.files.get('/var/lib/dbus/machine-id') || out.files.get('/etc/machine-id'))?.split('\n')[0]?.trim();
      return {
        system, kernel, kernel_version: kernelVersion,
        ...architectureFacts(dpkgValue(out, 'arch'), machine),
        ...hostNameFacts(treeName || nodename, out.files.get('/etc/hosts')),
        ...(machineId ? { machine_id: machineId } : {}),
        ...pythonVersion(out),
      };
    },
  },
  distribution: { needs: () => ({ files: OS_RELEASE_FILES }), collect: (out) => distributionFacts(out.files) },
  lsb: { needs: () => ({ files: OS_RELEASE_FILES }), collect: (out) => lsbFacts(out.files) },
  python: { needs: () => ({ paths: [PYTHON], sections: DPKG_SECTION }), collect: (out) => pythonFacts(dpkgValue(out, 'python3'), out.paths.has(PYTHON)) },
  // /proc/self is `head` reading it: the shell's ids and exported environment, without running id or env.
  user: {
    needs: () => ({ files: ['/etc/passwd', '/proc/self/status'], sections: { id: '[ -r /proc/self/status ] || id' } }),
    collect: (out) => userFacts(out.files.get('/proc/self/status') ?? out.sections.get('id') ?? '', out.files.get('/etc/passwd')),
  },
  env: {
    needs: () => ({ files: ['/proc/self/environ'], sections: { env: '[ -r /proc/self/environ ] || env' } }),
    collect: (out) => environmentFacts(out.files.get('/proc/self/environ') ?? out.sections.get('env') ?? ''),
  },
  date_time: { needs: () => ({ sections: { date: dateSection() } }), collect: (out) => dateTimeFacts(out.sections.get('date') ?? '') },
  dns: { needs: () => ({ files: ['/etc/resolv.conf'] }), collect: (out) => dnsFacts(out.files.get('/etc/resolv.conf')) },
  cmdline: { needs: () => ({ files: ['/proc/cmdline'] }), collect: (out, ctx) => cmdlineFacts(kernelFile(out, ctx, '/proc/cmdline')) },
  service_mgr: {
    needs: (ctx) => ({
      files: ctx.tree ? [] : ['/proc/1/comm'],
      paths: SERVICE_MANAGER_PATHS,
      commands: ['systemctl', 'initctl'],
      sections: { initlink: '[ -L /sbin/init ] && readlink /sbin/init' },
    }),
    collect: (out, ctx) => serviceManagerFacts({
      tree: ctx.tree !== undefined, pid1: out.files.get('/proc/1/comm'), paths: out.paths, commands: out.commands,
      initLink: out.sections.get('initlink')?.trim() || undefined,
    }),
  },
  pkg_mgr: {
    needs: () => ({ files: OS_RELEASE_FILES, commands: PACKAGE_MANAGERS.map(([command]) => command) }),
    collect(out) {
      if (distributionFacts(out.files)['os_family'] === 'Debian') return { pkg_mgr: 'apt' };
      return { pkg_mgr: PACKAGE_MANAGERS.find(([command]) => out.commands.has(command))?.[1] ?? 'unknown' };
    },
  },
  selinux: {
    needs: () => ({ files: ['/sys/fs/selinux/enforce'] }),
    collect(out) {
      const enforce = out.files.get('/sys/fs/selinux/enforce')?.trim();
      const selinux = enforce === undefined ? { status: 'disabled' } : { status: 'enabled', mode: enforce === '1' ? 'enforcing' : 'permissive' };
      return { selinux, selinux_python_present: false };
    },
  },
  apparmor: {
    needs: () => ({ paths: ['/sys/kernel/security/apparmor'] }),
    collect: (out) => ({ apparmor: { status: out.paths.has('/sys/kernel/security/apparmor') ? 'enabled' : 'disabled' } }),
  },
  fips: { needs: () => ({ files: ['/proc/sys/crypto/fips_enabled'] }), collect: (out) => ({ fips: out.files.get('/proc/sys/crypto/fips_enabled')?.trim() === '1' }) },
  caps: { needs: () => ({}), collect: () => ({ system_capabilities: 'N/A', system_capabilities_enforced: 'N/A' }) },
  ssh_pub_keys: {
    needs: () => ({ files: ['dsa', 'rsa', 'ecdsa', 'ed25519'].map((type) => `/etc/ssh/ssh_host_${type}_key.pub`) }),
    collect: (out) => sshHostKeyFacts(out.files),
  },
  local: {
    needs: (ctx) => ({ sections: { '@local': localFactsScript(shellQuote(ctx.factPath)) } }),
    collect: (out, ctx) => localFacts(out.sections, ctx.warn, ctx.factPath),
  },
  chroot: {
    needs: (ctx) => (ctx.tree ? {} : { sections: { rootstat: 'printf \'%s\\n\' "${debian_chroot-}"; stat -c %d:%i / /proc/1/root/.' } }),
    collect(out, ctx) {
      if (ctx.tree) return { is_chroot: ctx.tree === 'chroot' };
      const [debianChroot = '', root, init] = (out.sections.get('rootstat') ?? '').split('\n');
      return { is_chroot: debianChroot !== '' || (init ? root !== init : root !== undefined && !/:2$/.test(root)) };
    },
  },
  loadavg: { needs: () => ({ files: ['/proc/loadavg'] }), collect: (out, ctx) => loadFacts(kernelFile(out, ctx, '/proc/loadavg')) },
  hardware: {
    needs: () => ({ files: ['/proc/cpuinfo', '/proc/meminfo', '/proc/uptime', '/proc/mounts'], sections: { mounts: MOUNT_SIZES } }),
    collect: (out, ctx) => ({
      ...cpuFacts(kernelFile(out, ctx, '/proc/cpuinfo')),
      ...memoryFacts(kernelFile(out, ctx, '/proc/meminfo')),
      ...uptimeFacts(kernelFile(out, ctx, '/proc/uptime')),
      ...mountFacts(out.files.get('/proc/mounts'), out.sections.get('mounts') ?? ''),
    }),
  },
  network: {
    needs: (ctx) => ({
      files: ['/proc/net/fib_trie', '/proc/net/if_inet6'],
      sections: {
        interfaces: 'for i in /sys/class/net/*; do [ -e "$i" ] && printf \'%s\\n\' "${i##*/}"; done',
        // Where Ansible looks for the default route; a tree's routes are the build host's, so only local asks.
        ...(ctx.tree ? {} : { route4: 'ip -4 route get 8.8.8.8', route6: 'ip -6 route get 2404:6800:400a:800::1012' }),
      },
    }),
    collect: (out) => networkFacts({
      interfaces: (out.sections.get('interfaces') ?? '').split('\n').filter(Boolean),
      fibTrie: out.files.get('/proc/net/fib_trie'), ifInet6: out.files.get('/proc/net/if_inet6'),
      route4: out.sections.get('route4'), route6: out.sections.get('route6'),
    }),
  },
  // Storage initiator names, as Ansible's fibre_channel_wwn, iscsi and nvme collectors report them (no FC scan).
  fibre_channel_wwn: { needs: () => ({}), collect: () => ({ fibre_channel_wwn: [] }) },
  iscsi: {
    needs: () => ({ files: ['/etc/iscsi/initiatorname.iscsi'] }),
    collect: (out) => ({ iscsi_iqn: /^InitiatorName=(.*)$/m.exec(out.files.get('/etc/iscsi/initiatorname.iscsi') ?? '')?.[1]?.trim() ?? '' }),
  },
  nvme: { needs: () => ({ files: ['/etc/nvme/hostnqn'] }), collect: (out) => ({ hostnqn: out.files.get('/etc/nvme/hostnqn')?.trim() ?? '' }) },
  virtual: {
    needs: (ctx) => (ctx.tree ? {} : { files: VIRTUAL_FILES, paths: VIRTUAL_PATHS }),
    collect(out, ctx) {
      if (!ctx.tree) return detectedVirtualization(out.files, out.paths);
      const type = ctx.tree === 'nspawn' ? 'systemd-nspawn' : 'chroot';
      return { virtualization_type: type, virtualization_role: 'guest', virtualization_tech_guest: ctx.tree === 'nspawn' ? ['container', type] : [type], virtualization_tech_host: [] };
    },
  },
  // Accepted as Ansible accepts them; playtree runs neither facter nor ohai.
  facter: { needs: () => ({}), collect: () => ({}) },
  ohai: { needs: () => ({}), collect: () => ({}) },
};

const KERNEL_FILES = {
  system: '/proc/sys/kernel/ostype', nodename: '/proc/sys/kernel/hostname', kernel: '/proc/sys/kernel/osrelease',
  kernelVersion: '/proc/sys/kernel/version', machine: '/proc/sys/kernel/arch',
};

/** uname's fields: from /proc/sys/kernel, or the `uname -snrm` and `uname -v` lines where /proc is absent. */
function unameFields(out: ScriptOutput): Record<keyof typeof KERNEL_FILES, string> {
  const [line = '', kernelVersion = ''] = (out.sections.get('uname') ?? '').split('\n');
  if (line) {
    const [system = '', nodename = '', kernel = '', machine = ''] = line.split(' ');
    return { system, nodename, kernel, kernelVersion, machine };
  }
  const read = (path: string) => (out.files.get(path) ?? '').trim();
  return {
    system: read(KERNEL_FILES.system), nodename: read(KERNEL_FILES.nodename), kernel: read(KERNEL_FILES.kernel),
    kernelVersion: read(KERNEL_FILES.kernelVersion), machine: read(KERNEL_FILES.machine),
  };
}

function pythonVersion(out: ScriptOutput): Facts {
  const python = pythonFacts(dpkgValue(out, 'python3'), out.paths.has(PYTHON) || dpkgValue(out, 'python3') !== undefined);
  return python['python_version'] ? { python_version: python['python_version'] } : {};
}

/** Ansible's package managers by the program that marks them, in its order of preference. */
const PACKAGE_MANAGERS: Array<[string, string]> = [
  ['apt-get', 'apt'], ['dnf', 'dnf'], ['yum', 'yum'], ['zypper', 'zypper'], ['pacman', 'pacman'], ['apk', 'apk'],
  ['emerge', 'portage'], ['xbps-install', 'xbps'], ['opkg', 'opkg'], ['swupd', 'swupd'],
];

/**
 * `stat -f` of every mount with a real device (see isRealDevice), mount points decoded from /proc/mounts'
 * octal escapes with the printf builtin: one process for all of them.
 */
const MOUNT_SIZES = [
  'set --',
  'while read -r dev mnt fs rest; do',
  '  case $dev in /*|*:/*) [ "$fs" = none ] && continue;; *) continue;; esac',
  '  case $mnt in *\\\\*) mnt=$(printf \'%b\' "$mnt");; esac',
  '  set -- "$@" "$mnt"',
  'done < /proc/mounts',
  '[ $# -gt 0 ] && stat -f -c \'%S %s %b %a %f %c %d %n\' -- "$@"',
].join('\n');
