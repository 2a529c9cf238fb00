/**
 * Hardware, network and virtualization facts, parsed from the target's /proc and /sys as the fact script read
 * them. Names and shapes are ansible-core 2.14's; only the commonly used ones are gathered (no devices, no dmi,
 * no per-interface dicts).
 */

type Facts = Record<string, unknown>;

/** processor list, processor_count/cores/threads_per_core/vcpus/nproc from /proc/cpuinfo, as Ansible counts them. */
export function cpuFacts(cpuinfo: string | undefined): Facts {
  if (!cpuinfo) return {};
  const processor: string[] = [];
  const sockets = new Map<string, number>();
  const cores = new Map<string, number>();
  let entries = 0;
  let physicalId = '';
  let coreId = '';
  for (const line of cpuinfo.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'processor') {
      entries++;
      processor.push(value);
    } else if (['model name', 'vendor_id', 'Processor', 'cpu', 'Vendor'].includes(key)) processor.push(value);
    else if (key === 'physical id') {
      physicalId = value;
      if (!sockets.has(value)) sockets.set(value, 1);
    } else if (key === 'core id') {
      coreId = value;
      if (!cores.has(value)) cores.set(value, 1);
    } else if (key === 'cpu cores') sockets.set(physicalId, Number(value));
    else if (key === 'siblings') cores.set(coreId, Number(value));
  }
  const count = sockets.size || entries;
  const perSocket = [...sockets.values()][0] || 1;
  const threads = Math.max(1, Math.floor(([...cores.values()][0] ?? 1) / perSocket));
  return {
    processor,
    processor_count: count,
    processor_cores: perSocket,
    processor_threads_per_core: threads,
    processor_vcpus: threads * count * perSocket,
    processor_nproc: entries,
  };
}

/** memtotal_mb, memfree_mb, swaptotal_mb, swapfree_mb and the memory_mb dict from /proc/meminfo. */
export function memoryFacts(meminfo: string | undefined): Facts {
  if (!meminfo) return {};
  const mb: Record<string, number> = {};
  for (const match of meminfo.matchAll(/^(\w+):\s+(\d+) kB$/gm)) mb[match[1]!] = Math.floor(Number(match[2]) / 1024);
  const [total, free, swapTotal, swapFree] = [mb['MemTotal'] ?? 0, mb['MemFree'] ?? 0, mb['SwapTotal'] ?? 0, mb['SwapFree'] ?? 0];
  const nocacheFree = free + (mb['Buffers'] ?? 0) + (mb['Cached'] ?? 0);
  return {
    memtotal_mb: total,
    memfree_mb: free,
    swaptotal_mb: swapTotal,
    swapfree_mb: swapFree,
    memory_mb: {
      real: { total, used: total - free, free },
      nocache: { free: nocacheFree, used: total - nocacheFree },
      swap: { total: swapTotal, free: swapFree, used: swapTotal - swapFree, cached: mb['SwapCached'] ?? 0 },
    },
  };
}

export function uptimeFacts(uptime: string | undefined): Facts {
  const seconds = Number.parseFloat(uptime ?? '');
  return Number.isFinite(seconds) ? { uptime_seconds: Math.floor(seconds) } : {};
}

export function loadFacts(loadavg: string | undefined): Facts {
  const [one, five, fifteen] = (loadavg ?? '').split(/\s+/).map(Number.parseFloat);
  return one !== undefined && Number.isFinite(one) ? { loadavg: { '1m': one, '5m': five, '15m': fifteen } } : {};
}

/**
 * ansible_mounts from /proc/mounts, the real filesystems only (device a path or `host:/path`, as Ansible keeps
 * them), with sizes from `stat -f` lines `FRSIZE BSIZE BLOCKS BAVAIL BFREE FILES FFREE MOUNTPOINT`.
 */
export function mountFacts(procMounts: string | undefined, statOutput: string): Facts {
  const sizes = new Map<string, number[]>();
  for (const line of statOutput.split('\n')) {
    const match = /^(\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (.*)$/.exec(line);
    if (match) sizes.set(match[8]!, match.slice(1, 8).map(Number));
  }
  const mounts: Facts[] = [];
  for (const line of (procMounts ?? '').split('\n')) {
    const [device, mountPoint, fstype, options] = line.split(' ').map((field) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
    if (!device || !mountPoint || !fstype || !isRealDevice(device, fstype)) continue;
    const mount: Facts = { mount: mountPoint, device, fstype, options: options ?? '', uuid: 'N/A' };
    const size = sizes.get(mountPoint);
    if (size) {
      const [frsize, bsize, blocks, bavail, , files, ffree] = size as [number, number, number, number, number, number, number];
      Object.assign(mount, {
        size_total: frsize * blocks, size_available: frsize * bavail, block_size: bsize, block_total: blocks,
        block_available: bavail, block_used: blocks - bavail, inode_total: files, inode_available: ffree, inode_used: files - ffree,
      });
    }
    mounts.push(mount);
  }
  return { mounts };
}

export function isRealDevice(device: string, fstype: string): boolean {
  return (device.startsWith('/') || device.includes(':/')) && fstype !== 'none';
}

/**
 * interfaces (/sys/class/net), all_ipv4_addresses (the local addresses of /proc/net/fib_trie, loopback
 * left out), all_ipv6_addresses (/proc/net/if_inet6 but lo), and default_ipv4/6 from `ip route get` lines.
 */
export function networkFacts(input: { interfaces: string[]; fibTrie?: string; ifInet6?: string; route4?: string; route6?: string }): Facts {
  const ipv4 = new Set<string>();
  const trie = (input.fibTrie ?? '').split('\n');
  trie.forEach((line, index) => {
    const address = /\|-- (\d+\.\d+\.\d+\.\d+)$/.exec(line)?.[1];
    if (address && /\/32 host LOCAL/.test(trie[index + 1] ?? '') && !address.startsWith('127.')) ipv4.add(address);
  });
  const ipv6: string[] = [];
  for (const line of (input.ifInet6 ?? '').split('\n')) {
    const [hex, , , , , name] = line.trim().split(/\s+/);
    if (!hex || hex.length !== 32 || name === 'lo') continue;
    ipv6.push(new URL(`http://[${hex.match(/.{4}/g)!.join(':')}]`).hostname.slice(1, -1));
  }
  return {
    interfaces: input.interfaces,
    all_ipv4_addresses: [...ipv4],
    all_ipv6_addresses: ipv6,
    default_ipv4: defaultRoute(input.route4),
    default_ipv6: defaultRoute(input.route6),
  };
}

function defaultRoute(line: string | undefined): Facts {
  const field = (name: string) => new RegExp(`\\b${name} (\\S+)`).exec(line ?? '')?.[1];
  const [device, address] = [field('dev'), field('src')];
  if (!device || !address) return {};
  const route: Facts = { address, interface: device, alias: device };
  const gateway = field('via');
  if (gateway) route['gateway'] = gateway;
  return route;
}

export const VIRTUAL_PATHS = ['/.dockerenv', '/.dockerinit', '/run/.containerenv', '/proc/vz', '/proc/bc', '/proc/xen', '/dev/kvm'];
export const VIRTUAL_FILES = [
  '/proc/1/cgroup', '/proc/1/environ', '/run/systemd/container', '/sys/devices/virtual/dmi/id/product_name',
  '/sys/devices/virtual/dmi/id/sys_vendor', '/sys/devices/virtual/dmi/id/bios_vendor',
];

/**
 * virtualization_type/role/tech_guest/tech_host for a local (or plugin) target, by Ansible's main rules:
 * containers (cgroup, PID 1's `container=`, /run/systemd/container, /.dockerenv), then VMs (DMI names), and
 * /dev/kvm for a KVM host. A tree's type comes from its connection instead.
 */
export function detectedVirtualization(files: ReadonlyMap<string, string>, paths: ReadonlySet<string>): Facts {
  const guest = new Set<string>();
  const host = new Set<string>();
  let found: [string, string] | undefined;
  const note = (tech: string, role = 'guest', type = tech) => {
    (role === 'guest' ? guest : host).add(tech);
    found ??= [type, role];
  };
  const cgroup = files.get('/proc/1/cgroup') ?? '';
  if (/\/docker(\/|-[0-9a-f]+\.scope)/.test(cgroup)) note('docker');
  if (/\/lxc\/|\/machine\.slice\/machine-lxc/.test(cgroup)) note('lxc');
  const pid1Env = (files.get('/proc/1/environ') ?? '').split('\0');
  if (pid1Env.includes('container=lxc')) note('lxc');
  if (pid1Env.includes('container=podman')) note('podman');
  if (pid1Env.some((entry) => /^container=./.test(entry))) note('container');
  const systemdContainer = files.get('/run/systemd/container')?.trim();
  if (systemdContainer) note(systemdContainer);
  if (paths.has('/.dockerenv') || paths.has('/.dockerinit')) note('docker');
  if (paths.has('/run/.containerenv')) note('podman');
  if ([...guest].some((tech) => ['docker', 'lxc', 'podman', 'openvz', 'containerd'].includes(tech)) || systemdContainer) guest.add('container');
  const dmi = (name: string) => files.get(`/sys/devices/virtual/dmi/id/${name}`)?.trim() ?? '';
  if (['KVM', 'KVM Server', 'Bochs', 'AHV'].includes(dmi('product_name')) || ['QEMU', 'Amazon EC2', 'Google'].includes(dmi('sys_vendor'))) note('kvm');
  if (/^VMware/.test(dmi('product_name'))) note('VMware');
  if (dmi('bios_vendor') === 'Xen') note('xen');
  if (dmi('bios_vendor') === 'innotek GmbH') note('virtualbox');
  if (dmi('sys_vendor') === 'Microsoft Corporation') note('VirtualPC');
  if (paths.has('/dev/kvm')) note('kvm', 'host');
  return {
    virtualization_type: found?.[0] ?? 'NA',
    virtualization_role: found?.[1] ?? 'NA',
    virtualization_tech_guest: [...guest],
    virtualization_tech_host: [...host],
  };
}
