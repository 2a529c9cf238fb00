/**
 * The system facts of Ansible's minimal set, parsed from what the fact script read on the target: host
 * names, the user, environment, date and time, DNS, kernel command line, service manager, security modules,
 * SSH host keys, Python. Names and shapes are ansible-core 2.14's.
 */

type Facts = Record<string, unknown>;

/** hostname, nodename, fqdn, domain. The fqdn is the first dotted name /etc/hosts gives the host, as getfqdn finds it. */
export function hostNameFacts(nodename: string, hosts: string | undefined): Facts {
  let fqdn = nodename;
  if (!nodename.includes('.')) {
    for (const line of (hosts ?? '').split('\n')) {
      const names = line.replace(/#.*/, '').trim().split(/\s+/).slice(1);
      if (!names.includes(nodename)) continue;
      const dotted = names.find((name) => name.includes('.'));
      if (dotted) fqdn = dotted;
      break;
    }
  }
  return { hostname: nodename.split('.')[0], nodename, fqdn, domain: fqdn.split('.').slice(1).join('.') };
}

/**
 * The user facts from the ids of /proc/self/status (`Uid: real effective ...`) or of `id` (`uid=0(root) gid=0(root)
 * [euid=...]`), and the passwd entry of the real uid.
 */
export function userFacts(ids: string, passwd: string | undefined): Facts {
  const status = (name: string) => /^(\d+)\s+(\d+)/.exec(new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(ids)?.[1] ?? '');
  const idField = (name: string) => new RegExp(`(?:^|\\s)${name}=(\\d+)`).exec(ids)?.[1];
  const [uidStatus, gidStatus] = [status('Uid'), status('Gid')];
  const uid = uidStatus?.[1] ?? idField('uid');
  const gid = gidStatus?.[1] ?? idField('gid');
  if (uid === undefined || gid === undefined) return {};
  const euid = uidStatus?.[2] ?? idField('euid') ?? uid;
  const egid = gidStatus?.[2] ?? idField('egid') ?? gid;
  const entry = (passwd ?? '').split('\n').map((line) => line.split(':')).find((parts) => parts.length >= 7 && parts[2] === uid);
  return {
    user_id: entry?.[0] ?? new RegExp(`uid=${uid}\\(([^)]*)\\)`).exec(ids)?.[1] ?? uid,
    user_uid: Number(uid),
    user_gid: Number(entry?.[3] ?? gid),
    user_gecos: entry?.[4] ?? '',
    user_dir: entry?.[5] ?? '',
    user_shell: entry?.[6] ?? '',
    real_user_id: Number(uid),
    effective_user_id: Number(euid),
    real_group_id: Number(gid),
    effective_group_id: Number(egid),
  };
}

/**
 * The environment from /proc/self/environ (NUL-separated, exact) or `env` output, where a line that is not
 * NAME=... continues the previous value (a value with newlines).
 */
export function environmentFacts(text: string): Facts {
  const env: Record<string, string> = {};
  if (text.includes('\0')) {
    for (const entry of text.split('\0')) {
      const equals = entry.indexOf('=');
      if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
    }
    return { env };
  }
  let last: string | undefined;
  for (const line of text.replace(/\n$/, '').split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(line);
    if (match) env[(last = match[1]!)] = match[2]!;
    else if (last !== undefined) env[last] += `\n${line}`;
  }
  return { env };
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * ansible_date_time from one `date` call on the target printing `EPOCH NANOS OFFSET ZONE` for now, then for
 * 1 January and 1 July of this year (the zone's standard and summer names: Python's time.tzname).
 */
export function dateTimeFacts(dateOutput: string): Facts {
  const [now, january, july] = dateOutput.trim().split('\n').map((line) => line.trim().split(/\s+/));
  if (!now || now.length < 4 || !/^\d+$/.test(now[0]!)) return {};
  const [epoch, nanos, offset, zone] = now as [string, string, string, string];
  const offsetMinutes = (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5)));
  const micros = /^\d+$/.test(nanos) ? nanos.padStart(9, '0').slice(0, 6) : '000000';
  const utc = new Date(Number(epoch) * 1000);
  const local = new Date(utc.getTime() + offsetMinutes * 60_000);
  const two = (n: number) => String(n).padStart(2, '0');
  const [year, month, day] = [String(local.getUTCFullYear()), two(local.getUTCMonth() + 1), two(local.getUTCDate())];
  const [hour, minute, second] = [two(local.getUTCHours()), two(local.getUTCMinutes()), two(local.getUTCSeconds())];
  const utcStamp = `${utc.getUTCFullYear()}-${two(utc.getUTCMonth() + 1)}-${two(utc.getUTCDate())}T${two(utc.getUTCHours())}:${two(utc.getUTCMinutes())}:${two(utc.getUTCSeconds())}`;
  const weekday = local.getUTCDay();
  // %W: the week number with Monday as first day; days before the year's first Monday are week 0.
  const dayOfYear = Math.floor((Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - Date.UTC(local.getUTCFullYear(), 0, 1)) / 86_400_000);
  const weeknumber = Math.floor((dayOfYear + 7 - ((weekday + 6) % 7)) / 7);
  const summer = january && july && january[2] !== july[2] ? (Number(january[2]) > Number(july[2]) ? january[3] : july[3]) : undefined;
  return {
    date_time: {
      year, month, weekday: WEEKDAYS[weekday], weekday_number: String(weekday), weeknumber: two(weeknumber), day, hour, minute, second,
      epoch, epoch_int: epoch, date: `${year}-${month}-${day}`, time: `${hour}:${minute}:${second}`,
      iso8601_micro: `${utcStamp}.${micros}Z`, iso8601: `${utcStamp}Z`,
      iso8601_basic: `${year}${month}${day}T${hour}${minute}${second}${micros}`, iso8601_basic_short: `${year}${month}${day}T${hour}${minute}${second}`,
      tz: zone, tz_dst: summer ?? zone, tz_offset: offset,
    },
  };
}

/** ansible_dns from resolv.conf: nameservers, domain, search, sortlist, options. */
export function dnsFacts(resolvConf: string | undefined): Facts {
  const dns: Record<string, unknown> = {};
  for (const line of (resolvConf ?? '').split('\n')) {
    const [keyword, ...values] = line.trim().split(/\s+/);
    if (!keyword || keyword.startsWith('#') || keyword.startsWith(';')) continue;
    if (keyword === 'nameserver') dns['nameservers'] = [...((dns['nameservers'] as string[]) ?? []), ...values];
    else if (keyword === 'domain' && values[0]) dns['domain'] = values[0];
    else if (keyword === 'search' || keyword === 'sortlist') dns[keyword] = values;
    else if (keyword === 'options') {
      dns['options'] = Object.fromEntries(values.map((option) => {
        const [name, value] = option.split(/:(.*)/s);
        return [name, value || true];
      }));
    }
  }
  return { dns };
}

/** cmdline (last value wins) and proc_cmdline (repeated keys become lists) from /proc/cmdline. */
export function cmdlineFacts(text: string | undefined): Facts {
  if (!text?.trim()) return {};
  const cmdline: Record<string, unknown> = {};
  const procCmdline: Record<string, unknown> = {};
  for (const piece of text.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? []) {
    const equals = piece.indexOf('=');
    if (equals < 0) {
      cmdline[piece] = true;
      procCmdline[piece] = true;
      continue;
    }
    const [key, value] = [piece.slice(0, equals), piece.slice(equals + 1)];
    cmdline[key] = value;
    const before = procCmdline[key];
    procCmdline[key] = before === undefined || before === true ? value : [...(Array.isArray(before) ? before : [before]), value];
  }
  return { cmdline, proc_cmdline: procCmdline };
}

export interface ServiceManagerProbe {
  /** A tree entered by chroot or nspawn: its PID 1 is playtree's, not the tree's init, so it is not asked. */
  tree: boolean;
  pid1?: string;
  paths: ReadonlySet<string>;
  commands: ReadonlyMap<string, string>;
  /** Target of the /sbin/init symlink, when it is one. */
  initLink?: string;
}

export const SERVICE_MANAGER_PATHS = [
  '/run/systemd/system/', '/dev/.run/systemd/', '/dev/.systemd/', '/etc/init/', '/sbin/openrc', '/etc/init.d/',
  '/lib/systemd/systemd', '/usr/lib/systemd/systemd',
];

/**
 * ansible_service_mgr, by Ansible's rules: PID 1's name when it says something (local targets only), else
 * systemd when systemctl is there and systemd runs (or /sbin/init is systemd), upstart, openrc, sysvinit
 * (an /etc/init.d), else `service`. In a tree, playtree also counts systemd as the manager when the
 * systemd binary is installed without systemd-sysv's /sbin/init link: that tree boots with systemd.
 */
export function serviceManagerFacts(probe: ServiceManagerProbe): Facts {
  const pid1Names: Record<string, string> = { procd: 'openwrt_init', 'runit-init': 'runit', svscan: 'svc', 'openrc-init': 'openrc' };
  const pid1 = probe.tree ? undefined : probe.pid1?.trim().split('/').pop();
  if (pid1 && pid1 !== 'init' && !pid1.endsWith('sh')) return { service_mgr: pid1Names[pid1] ?? pid1 };
  const has = (path: string) => probe.paths.has(path);
  const systemctl = probe.commands.has('systemctl');
  const systemdRuns = ['/run/systemd/system/', '/dev/.run/systemd/', '/dev/.systemd/'].some(has);
  const systemdInit = probe.initLink?.split('/').pop() === 'systemd';
  const systemdInstalled = probe.tree && (has('/lib/systemd/systemd') || has('/usr/lib/systemd/systemd'));
  let manager = 'service';
  if (systemctl && systemdRuns) manager = 'systemd';
  else if (probe.commands.has('initctl') && has('/etc/init/')) manager = 'upstart';
  else if (has('/sbin/openrc')) manager = 'openrc';
  else if (systemctl && (systemdInit || systemdInstalled)) manager = 'systemd';
  else if (has('/etc/init.d/')) manager = 'sysvinit';
  return { service_mgr: manager };
}

/** ssh_host_key_<type>_public and _keytype from the host's public key files. */
export function sshHostKeyFacts(files: ReadonlyMap<string, string>): Facts {
  const facts: Facts = {};
  for (const type of ['dsa', 'rsa', 'ecdsa', 'ed25519']) {
    const [keytype, key] = (files.get(`/etc/ssh/ssh_host_${type}_key.pub`) ?? '').trim().split(/\s+/);
    if (!key) continue;
    facts[`ssh_host_key_${type}_public`] = key;
    facts[`ssh_host_key_${type}_public_keytype`] = keytype;
  }
  return facts;
}

/**
 * ansible_python and python_version: the tree's own python3, when it has one, with its version from the
 * dpkg database. playtree runs no Python, so without one these facts are left undefined.
 */
export function pythonFacts(pythonPackageVersion: string | undefined, hasPython: boolean): Facts {
  const match = /^(?:\d+:)?(\d+)\.(\d+)\.(\d+)/.exec(pythonPackageVersion ?? '');
  if (!hasPython || !match) return {};
  const [major, minor, micro] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return {
    python: {
      executable: '/usr/bin/python3', has_sslcontext: true, type: 'cpython',
      version: { major, minor, micro, releaselevel: 'final', serial: 0 },
      version_info: [major, minor, micro, 'final', 0],
    },
    python_version: `${major}.${minor}.${micro}`,
  };
}
