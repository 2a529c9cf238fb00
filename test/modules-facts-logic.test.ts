import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFactScriptOutput, splitHeadOutput } from '../modules/factScript.js';
import { architectureFacts, distributionFacts, lsbFacts } from '../modules/factsDistribution.js';
import { cpuFacts, mountFacts } from '../modules/factsHardware.js';
import { parseIni } from '../modules/factsLocal.js';
import { cmdlineFacts, dateTimeFacts, dnsFacts, hostNameFacts, serviceManagerFacts, userFacts } from '../modules/factsSystem.js';
import { selectCollectors } from '../modules/setup.js';

const files = (entries: Record<string, string>) => new Map(Object.entries(entries));

const BOOKWORM = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n';
const TRIXIE_SID = 'PRETTY_NAME="Debian GNU/Linux trixie/sid"\nNAME="Debian GNU/Linux"\nVERSION_CODENAME=trixie\nID=debian\n';
const JAMMY = 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=jammy\n';
const JAMMY_LSB = 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04.4 LTS"\n';

const distributionCases: Array<[string, Record<string, string>, Record<string, unknown>]> = [
  ['Debian 12 takes the precise version of /etc/debian_version', { '/etc/os-release': BOOKWORM, '/etc/debian_version': '12.11\n' },
    { distribution: 'Debian', distribution_version: '12.11', distribution_major_version: '12', distribution_minor_version: '11', distribution_release: 'bookworm', os_family: 'Debian', distribution_file_variety: 'Debian', distribution_file_path: '/etc/os-release', distribution_file_parsed: true }],
  ['Debian testing reports trixie/sid as its version', { '/etc/os-release': TRIXIE_SID, '/etc/debian_version': 'trixie/sid\n' },
    { distribution: 'Debian', distribution_version: 'trixie/sid', distribution_major_version: 'trixie/sid', distribution_release: 'trixie', os_family: 'Debian', distribution_file_variety: 'Debian', distribution_file_path: '/etc/os-release', distribution_file_parsed: true }],
  ['Ubuntu 22.04 keeps VERSION_ID and the Debian family', { '/etc/os-release': JAMMY, '/etc/debian_version': 'bookworm/sid\n', '/etc/lsb-release': JAMMY_LSB },
    { distribution: 'Ubuntu', distribution_version: '22.04', distribution_major_version: '22', distribution_release: 'jammy', os_family: 'Debian', distribution_file_variety: 'Debian', distribution_file_path: '/etc/os-release', distribution_file_parsed: true }],
  ['a tree with only /usr/lib/os-release', { '/usr/lib/os-release': BOOKWORM },
    { distribution: 'Debian', distribution_version: '12', distribution_major_version: '12', distribution_release: 'bookworm', os_family: 'Debian', distribution_file_variety: 'Debian', distribution_file_path: '/usr/lib/os-release', distribution_file_parsed: true }],
];
for (const [label, input, expected] of distributionCases) {
  test(`distribution facts: ${label}`, () => assert.deepEqual(distributionFacts(files(input)), expected));
}

test('ansible_lsb comes from /etc/lsb-release when the tree has one, else from os-release as lsb_release prints it', () => {
  assert.deepEqual(lsbFacts(files({ '/etc/os-release': JAMMY, '/etc/lsb-release': JAMMY_LSB })), {
    lsb: { id: 'Ubuntu', release: '22.04', codename: 'jammy', description: 'Ubuntu 22.04.4 LTS', major_release: '22' },
  });
  assert.deepEqual(lsbFacts(files({ '/etc/os-release': BOOKWORM })), {
    lsb: { id: 'Debian', description: 'Debian GNU/Linux 12 (bookworm)', release: '12', codename: 'bookworm', major_release: '12' },
  });
  assert.deepEqual(lsbFacts(files({ '/etc/os-release': TRIXIE_SID })).lsb, { id: 'Debian', description: 'Debian GNU/Linux trixie/sid', release: 'n/a', codename: 'trixie', major_release: 'n/a' });
});

const architectureCases: Array<[string | undefined, string, Record<string, unknown>]> = [
  ['amd64', 'x86_64', { machine: 'x86_64', architecture: 'x86_64', userspace_architecture: 'x86_64', userspace_bits: '64' }],
  ['arm64', 'x86_64', { machine: 'aarch64', architecture: 'aarch64', userspace_bits: '64' }],
  ['armhf', 'x86_64', { machine: 'armv7l', architecture: 'armv7l', userspace_bits: '32' }],
  ['i386', 'x86_64', { machine: 'i686', architecture: 'i386', userspace_architecture: 'i386', userspace_bits: '32' }],
  ['riscv64', 'x86_64', { machine: 'riscv64', architecture: 'riscv64', userspace_bits: '64' }],
  [undefined, 'aarch64', { machine: 'aarch64', architecture: 'aarch64', userspace_bits: '64' }],
];
for (const [dpkg, uname, expected] of architectureCases) {
  test(`architecture of a tree whose dpkg says ${dpkg ?? '(no dpkg)'} on a ${uname} kernel`, () => {
    assert.deepEqual(architectureFacts(dpkg, uname), expected);
  });
}

const subsetCases: Array<[string[], string[], string[]]> = [
  [['all'], ['hardware', 'network', 'virtual', 'distribution', 'local'], []],
  [['min'], ['distribution', 'platform', 'local', 'service_mgr'], ['hardware', 'network', 'virtual', 'chroot']],
  [['!all'], ['distribution', 'user', 'env'], ['hardware', 'network', 'virtual']],
  [['!all', 'network'], ['network', 'distribution'], ['hardware', 'virtual']],
  [['all', '!hardware'], ['network', 'virtual'], ['hardware']],
  [['!all', '!min'], [], ['distribution', 'platform', 'hardware']],
  [['!all', '!min', 'virtual'], ['virtual'], ['distribution']],
];
for (const [spec, present, absent] of subsetCases) {
  test(`gather_subset ${JSON.stringify(spec)} selects ${present.join(', ') || 'nothing of min'}`, () => {
    const selected = selectCollectors(spec);
    for (const name of present) assert.ok(selected.has(name), `${name} missing`);
    for (const name of absent) assert.ok(!selected.has(name), `${name} selected`);
  });
}

test('gather_subset with an unknown name is refused, listing the valid ones', () => {
  assert.throws(() => selectCollectors(['hardwre']), /^.*Bad subset 'hardwre' given to Ansible\. gather_subset options allowed: all, .*hardware/);
});

test('head -v output splits back into each file exact bytes, with or without a final newline', () => {
  const text = '==> /a <==\nline 1\nline 2\n\n==> /b <==\nno newline\n==> /c <==\n\n==> /d <==\nlast\n';
  assert.deepEqual([...splitHeadOutput(text)], [['/a', 'line 1\nline 2\n'], ['/b', 'no newline'], ['/c', ''], ['/d', 'last\n']]);
});

test('the fact script output splits into sections, paths and commands', () => {
  const out = parseFactScriptOutput('\n\x1e@paths\n/etc/init.d/\n\n\x1e@commands\n/usr/bin/systemctl\n\n\x1euname\nLinux h 6.1 x86_64\n#1 SMP\n\n\x1eempty\n');
  assert.deepEqual([...out.paths], ['/etc/init.d/']);
  assert.equal(out.commands.get('systemctl'), '/usr/bin/systemctl');
  assert.equal(out.sections.get('uname'), 'Linux h 6.1 x86_64\n#1 SMP\n');
  assert.equal(out.sections.get('empty'), '');
});

const serviceCases: Array<[string, Parameters<typeof serviceManagerFacts>[0], string]> = [
  ['a minbase tree (no systemctl) with /etc/init.d', { tree: true, paths: new Set(['/etc/init.d/']), commands: new Map() }, 'sysvinit'],
  ['a tree with systemd and systemd-sysv (/sbin/init → systemd)', { tree: true, paths: new Set(['/etc/init.d/']), commands: new Map([['systemctl', '/usr/bin/systemctl']]), initLink: '/lib/systemd/systemd' }, 'systemd'],
  ['a tree with systemd installed but no /sbin/init link', { tree: true, paths: new Set(['/etc/init.d/', '/lib/systemd/systemd']), commands: new Map([['systemctl', '/usr/bin/systemctl']]) }, 'systemd'],
  ['a tree whose PID 1 is the container stub (ignored)', { tree: true, pid1: 'systemd', paths: new Set(), commands: new Map() }, 'service'],
  ['a local host whose PID 1 is named', { tree: false, pid1: 'process_api\n', paths: new Set(), commands: new Map() }, 'process_api'],
  ['a local host whose PID 1 is a shell, booted with systemd', { tree: false, pid1: 'bash', paths: new Set(['/run/systemd/system/']), commands: new Map([['systemctl', '/bin/systemctl']]) }, 'systemd'],
];
for (const [label, probe, expected] of serviceCases) {
  test(`service_mgr of ${label} is ${expected}`, () => assert.deepEqual(serviceManagerFacts(probe), { service_mgr: expected }));
}

test('date_time follows the target zone: local fields, UTC iso8601, the zone summer name as tz_dst', () => {
  const paris = dateTimeFacts('1783000000 123456789 +0200 CEST\n1767268800 000000000 +0100 CET\n1782907200 000000000 +0200 CEST\n');
  assert.deepEqual(paris['date_time'], {
    year: '2026', month: '07', weekday: 'Thursday', weekday_number: '4', weeknumber: '26', day: '02', hour: '15', minute: '46', second: '40',
    epoch: '1783000000', epoch_int: '1783000000', date: '2026-07-02', time: '15:46:40',
    iso8601_micro: '2026-07-02T13:46:40.123456Z', iso8601: '2026-07-02T13:46:40Z',
    iso8601_basic: '20260702T154640123456', iso8601_basic_short: '20260702T154640', tz: 'CEST', tz_dst: 'CEST', tz_offset: '+0200',
  });
  const sydney = dateTimeFacts('1767441600 0 +1100 AEDT\n1767268800 0 +1100 AEDT\n1782907200 0 +1000 AEST\n')['date_time'] as Record<string, string>;
  assert.equal(sydney['tz_dst'], 'AEDT');
  assert.equal((dateTimeFacts('1767441600 0 +0000 UTC\n')['date_time'] as Record<string, string>)['weeknumber'], '00');
});

test('user facts from /proc/self/status ids or from id output, with the passwd entry', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\nbuilder:x:1000:1000:Image Builder,,,:/home/builder:/bin/sh\n';
  const expected = {
    user_id: 'builder', user_uid: 1000, user_gid: 1000, user_gecos: 'Image Builder,,,', user_dir: '/home/builder', user_shell: '/bin/sh',
    real_user_id: 1000, effective_user_id: 0, real_group_id: 1000, effective_group_id: 1000,
  };
  assert.deepEqual(userFacts('Name:\thead\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n', passwd), expected);
  assert.deepEqual(userFacts('uid=1000(builder) gid=1000(builder) euid=0(root) groups=1000(builder)\n', passwd), expected);
});

test("host names: the fqdn is the first dotted name /etc/hosts gives the host, the domain what follows", () => {
  assert.deepEqual(hostNameFacts('img', '127.0.0.1 localhost\n127.0.1.1 img.example.org img\n'), { hostname: 'img', nodename: 'img', fqdn: 'img.example.org', domain: 'example.org' });
  assert.deepEqual(hostNameFacts('img', '127.0.0.1 localhost\n'), { hostname: 'img', nodename: 'img', fqdn: 'img', domain: '' });
});

test('dns, cmdline and proc_cmdline parse as Ansible does', () => {
  assert.deepEqual(dnsFacts('# generated\nnameserver 10.0.0.1\nnameserver 10.0.0.2\nsearch a.example b.example\noptions ndots:2 rotate\n'), {
    dns: { nameservers: ['10.0.0.1', '10.0.0.2'], search: ['a.example', 'b.example'], options: { ndots: '2', rotate: true } },
  });
  assert.deepEqual(cmdlineFacts('BOOT_IMAGE=/vmlinuz root=UUID=x ro console=tty0 console=ttyS0 quiet\n'), {
    cmdline: { BOOT_IMAGE: '/vmlinuz', root: 'UUID=x', ro: true, console: 'ttyS0', quiet: true },
    proc_cmdline: { BOOT_IMAGE: '/vmlinuz', root: 'UUID=x', ro: true, console: ['tty0', 'ttyS0'], quiet: true },
  });
});

test('cpu counts: sockets, cores per socket, threads and vcpus from cpuinfo', () => {
  const cpu = (n: number) => `processor\t: ${n}\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nphysical id\t: 0\nsiblings\t: 4\ncore id\t: ${n % 2}\ncpu cores\t: 2\n\n`;
  assert.deepEqual(cpuFacts([0, 1, 2, 3].map(cpu).join('')), {
    processor: [0, 1, 2, 3].flatMap((n) => [String(n), 'GenuineIntel', 'Xeon']),
    processor_count: 1, processor_cores: 2, processor_threads_per_core: 2, processor_vcpus: 4, processor_nproc: 4,
  });
  const arm = 'processor\t: 0\nBogoMIPS\t: 50\n\nprocessor\t: 1\nBogoMIPS\t: 50\n';
  assert.deepEqual(cpuFacts(arm), { processor: ['0', '1'], processor_count: 2, processor_cores: 1, processor_threads_per_core: 1, processor_vcpus: 2, processor_nproc: 2 });
});

test('mounts keep real devices only, decode octal escapes and carry statvfs sizes', () => {
  const procMounts = 'proc /proc proc rw 0 0\n/dev/vda / ext4 rw,relatime 0 0\n/dev/vdb /srv/with\\040space xfs ro 0 0\nnfs:/export /mnt/nfs nfs4 rw 0 0\n';
  const stat = '4096 4096 1000 600 700 500 400 /\n';
  assert.deepEqual(mountFacts(procMounts, stat), {
    mounts: [
      { mount: '/', device: '/dev/vda', fstype: 'ext4', options: 'rw,relatime', uuid: 'N/A', size_total: 4096000, size_available: 2457600, block_size: 4096, block_total: 1000, block_available: 600, block_used: 400, inode_total: 500, inode_available: 400, inode_used: 100 },
      { mount: '/srv/with space', device: '/dev/vdb', fstype: 'xfs', options: 'ro', uuid: 'N/A' },
      { mount: '/mnt/nfs', device: 'nfs:/export', fstype: 'nfs4', options: 'rw', uuid: 'N/A' },
    ],
  });
});

test('a local fact INI file reads as ConfigParser does: sections, lower-cased options, = or :', () => {
  assert.deepEqual(parseIni('[General]\nName = web\nPort: 80\n; comment\n[empty]\n'), { General: { name: 'web', port: '80' }, empty: {} });
  assert.equal(parseIni('no section = 1\n'), undefined);
});
