import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAccountState, parseGroupLine, parsePasswdLine } from '../modules/accountDatabase.js';
import { groupCommand } from '../modules/group.js';
import { hostsWithName } from '../modules/hostname.js';
import { disableLocale, enableLocale, normalizeLocale } from '../modules/locale_gen.js';
import { parseRuntimeDirectories } from '../modules/offlineServices.js';
import { planUnit, type UnitRequest } from '../modules/systemd.js';
import { parseSystemctlShow, parseUnitState, type UnitState } from '../modules/systemdUnit.js';
import { setupModule } from '../modules/setup.js';
import { parseServices } from '../modules/service_facts.js';
import { parseInstalledPackages } from '../modules/package_facts.js';
import { planSysv } from '../modules/sysvService.js';
import { createCommands, modifyCommands, passwordAgeCommands, passwordWarnings } from '../modules/user.js';
import { ModuleError } from '../src/core/errors.js';
import { runModule } from './support/moduleRun.js';

/** Pure logic of the system modules: parsing what the target prints, and deciding the commands. */

describe('parseUnitState reads what systemctl says offline and online', () => {
  const rows: { output: string; expected: Partial<UnitState> }[] = [
    { output: 'running=0\nsystemctl=0\n', expected: { running: false, hasSystemctl: false, found: false } },
    { output: 'running=0\nsystemctl=1\nenabled_rc=1\nenabled_out=disabled\nlisted=1\n', expected: { found: true, enabled: false, masked: false } },
    { output: 'running=0\nsystemctl=1\nenabled_rc=0\nenabled_out=enabled\n', expected: { found: true, enabled: true } },
    { output: 'running=0\nsystemctl=1\nenabled_rc=0\nenabled_out=indirect\n', expected: { found: true, enabled: false } },
    { output: 'running=0\nsystemctl=1\nenabled_rc=0\nenabled_out=static\n', expected: { enabled: true } },
    { output: 'running=0\nsystemctl=1\nenabled_rc=1\nenabled_out=masked\n', expected: { masked: true, enabled: false, found: true } },
    { output: 'running=0\nsystemctl=1\nenabled_rc=1\nenabled_out=\n', expected: { found: false } },
    { output: 'running=0\nsystemctl=1\ninitd=1\ninitd_enabled=1\nenabled_rc=1\nenabled_out=\n', expected: { found: true, initdOnly: true, enabled: true } },
    { output: 'running=1\nsystemctl=1\nenabled_rc=0\nenabled_out=enabled\n--show--\nLoadState=loaded\nActiveState=active\n', expected: { running: true, status: { LoadState: 'loaded', ActiveState: 'active' } } },
  ];
  for (const { output, expected } of rows) {
    test(`${JSON.stringify(output)} → ${JSON.stringify(expected)}`, () => {
      const state = parseUnitState(output);
      assert.deepEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, state[k as keyof UnitState]])), expected);
    });
  }
  test('systemctl show values in braces may span lines', () => {
    assert.deepEqual(parseSystemctlShow('ExecStart={ path=/bin/true ;\n argv[]=/bin/true }\nId=a.service\n'), {
      ExecStart: '{ path=/bin/true ;\n argv[]=/bin/true }',
      Id: 'a.service',
    });
  });
});

describe('planUnit decides the systemctl calls', () => {
  const offline = (over: Partial<UnitState> = {}): UnitState => ({
    running: false, hasSystemctl: true, found: true, initdOnly: false, masked: false, enabled: false, status: {}, ...over,
  });
  const request = (over: Partial<UnitRequest>): UnitRequest => ({ name: 'x.service', systemctl: ['systemctl'], ...over });
  const rows: { what: string; request: Partial<UnitRequest>; state: UnitState; commands: string[][] }[] = [
    { what: 'enable a disabled unit', request: { enabled: true }, state: offline(), commands: [['systemctl', 'enable', 'x.service']] },
    { what: 'enabled unit stays', request: { enabled: true }, state: offline({ enabled: true }), commands: [] },
    { what: 'disable an enabled unit', request: { enabled: false }, state: offline({ enabled: true }), commands: [['systemctl', 'disable', 'x.service']] },
    { what: 'mask', request: { masked: true }, state: offline(), commands: [['systemctl', 'mask', 'x.service']] },
    { what: 'unmask then enable', request: { masked: false, enabled: true }, state: offline({ masked: true }), commands: [['systemctl', 'unmask', 'x.service'], ['systemctl', 'enable', 'x.service']] },
    { what: 'stopped offline is already true', request: { state: 'stopped' }, state: offline(), commands: [] },
    { what: 'daemon_reload offline does nothing', request: { daemonReload: true }, state: offline(), commands: [] },
    { what: 'start a stopped unit online', request: { state: 'started' }, state: offline({ running: true, status: { ActiveState: 'inactive' } }), commands: [['systemctl', 'start', 'x.service']] },
    { what: 'restart a running unit online', request: { state: 'restarted' }, state: offline({ running: true, status: { ActiveState: 'active' } }), commands: [['systemctl', 'restart', 'x.service']] },
    { what: 'reload of a stopped unit starts it', request: { state: 'reloaded' }, state: offline({ running: true, status: { ActiveState: 'inactive' } }), commands: [['systemctl', 'start', 'x.service']] },
    { what: 'daemon_reload online first', request: { daemonReload: true, enabled: true }, state: offline({ running: true }), commands: [['systemctl', 'daemon-reload'], ['systemctl', 'enable', 'x.service']] },
    { what: 'global scope flag is kept', request: { enabled: true, systemctl: ['systemctl', '--global'] }, state: offline(), commands: [['systemctl', '--global', 'enable', 'x.service']] },
  ];
  for (const row of rows) {
    test(row.what, () => assert.deepEqual(planUnit(request(row.request), row.state).commands, row.commands));
  }
  test('starting a unit without a running systemd fails when offline services are off, passes changed for restarted when on', () => {
    assert.throws(() => planUnit(request({ state: 'started' }), offline()), /systemd is not running on the target.*leave out 'state'/);
    const passed = planUnit(request({ state: 'restarted', offlineServices: true }), offline());
    assert.deepEqual([passed.commands, passed.changedOffline, passed.state], [[], true, 'started']);
  });
  test('enabling a unit nobody knows fails as Ansible does', () => {
    assert.throws(() => planUnit(request({ enabled: true }), offline({ found: false })), (e: unknown) => e instanceof ModuleError && e.message === 'Could not find the requested service x.service: host');
  });
});

describe('parseRuntimeDirectories reads what an offline start must make in /run', () => {
  const rows: { what: string; unit: string; expected: ReturnType<typeof parseRuntimeDirectories> }[] = [
    { what: 'one folder, default mode', unit: '[Service]\nRuntimeDirectory=sshd\n', expected: { names: ['sshd'], mode: '0755' } },
    { what: 'a list, its mode and owner', unit: '[Service]\nUser=redis\nGroup=redis\nRuntimeDirectory=redis other\nRuntimeDirectoryMode=2755\n', expected: { names: ['redis', 'other'], mode: '2755', owner: 'redis:redis' } },
    { what: 'an empty assignment resets the list (a drop-in)', unit: '[Service]\nRuntimeDirectory=a\n\n[Service]\nRuntimeDirectory=\nRuntimeDirectory=b\n', expected: { names: ['b'], mode: '0755' } },
    { what: 'other sections, specifiers and paths leaving /run are ignored', unit: '[Unit]\nRuntimeDirectory=u\n[Service]\nRuntimeDirectory=x-%i ../etc /abs ok\n', expected: { names: ['ok'], mode: '0755' } },
    { what: 'no RuntimeDirectory', unit: '[Service]\nExecStart=/bin/true\n', expected: { names: [], mode: '0755' } },
  ];
  for (const row of rows) test(row.what, () => assert.deepEqual(parseRuntimeDirectories(row.unit), row.expected));
});

describe('account database lines', () => {
  test('a passwd line becomes its fields', () => {
    assert.deepEqual(parsePasswdLine('alice:x:1000:1001:Alice A,,,:/home/alice:/bin/bash'), {
      name: 'alice', uid: 1000, gid: 1001, comment: 'Alice A,,,', home: '/home/alice', shell: '/bin/bash',
    });
  });
  test('a group line lists its members, none when empty', () => {
    assert.deepEqual(parseGroupLine('sudo:x:27:alice,bob'), { name: 'sudo', gid: 27, members: ['alice', 'bob'] });
    assert.deepEqual(parseGroupLine('users:x:100:'), { name: 'users', gid: 100, members: [] });
  });
  test('the tagged read gives user, hash, groups, home and missing tools', () => {
    const state = parseAccountState('T:useradd\nP:a:x:5:6::/h:/bin/sh\nS:$6$s$h\nE:::\nG:a:x:6:\nG:wheel:x:10:a\nH:1\n');
    assert.deepEqual(state, {
      missingTools: ['useradd'],
      user: { name: 'a', uid: 5, gid: 6, comment: '', home: '/h', shell: '/bin/sh' },
      passwordHash: '$6$s$h',
      expiresDays: -1,
      passwordMinDays: -1,
      passwordMaxDays: -1,
      groups: [{ name: 'a', gid: 6, members: [] }, { name: 'wheel', gid: 10, members: ['a'] }],
      homeExists: true,
    });
  });
});

describe('user commands', () => {
  const groups = parseAccountState('G:alice:x:1000:\nG:wheel:x:10:alice\nG:audio:x:29:\nG:users:x:100:\n').groups;
  const existing = { ...parseAccountState('P:alice:x:1000:1000:Alice:/home/alice:/bin/sh\nS:$6$old\nE:0:99999:29281\nH:1'), groups };
  const base = { name: 'alice', create_home: true, append: false, update_password: 'always', non_unique: false, system: false, move_home: false };
  const rows: { what: string; args: Record<string, unknown>; create: boolean; expected: string[][] }[] = [
    { what: 'new user with home, shell and groups', args: { name: 'bob', shell: '/bin/bash', groups: ['wheel', 'audio'] }, create: true, expected: [['useradd', '-G', 'wheel,audio', '-s', '/bin/bash', '-m', 'bob']] },
    { what: 'new user whose group exists gets -N', args: {}, create: true, expected: [['useradd', '-N', '-m', 'alice']] },
    { what: 'new system user without home', args: { name: 'svc', system: true, create_home: false, uid: 901 }, create: true, expected: [['useradd', '-u', '901', '-M', '-r', 'svc']] },
    { what: 'new user in a deep home gets its parent made', args: { name: 'bob', home: '/srv/h/bob', password: '$6$x' }, create: true, expected: [['mkdir', '-p', '--', '/srv/h'], ['useradd', '-d', '/srv/h/bob', '-p', '$6$x', '-m', 'bob']] },
    { what: 'same user: nothing', args: { shell: '/bin/sh', comment: 'Alice', groups: ['wheel'] }, create: false, expected: [] },
    { what: 'new shell and comment', args: { shell: '/bin/bash', comment: 'A' }, create: false, expected: [['usermod', '-c', 'A', '-s', '/bin/bash', 'alice']] },
    { what: 'groups replaced', args: { groups: ['audio'] }, create: false, expected: [['usermod', '-G', 'audio', 'alice']] },
    { what: 'groups appended', args: { groups: ['audio'], append: true }, create: false, expected: [['usermod', '-a', '-G', 'audio', 'alice']] },
    { what: 'appending a group already held: nothing', args: { groups: ['wheel'], append: true }, create: false, expected: [] },
    { what: 'empty groups clear them', args: { groups: [] }, create: false, expected: [['usermod', '-G', '', 'alice']] },
    { what: 'primary group by name, compared by gid', args: { group: 'users' }, create: false, expected: [['usermod', '-g', '100', 'alice']] },
    { what: 'new password hash', args: { password: '$6$new' }, create: false, expected: [['usermod', '-p', '$6$new', 'alice']] },
    { what: 'same hash, locked: nothing', args: { password: '!$6$old' }, create: false, expected: [] },
    { what: 'on_create keeps the old hash', args: { password: '$6$new', update_password: 'on_create' }, create: false, expected: [] },
    { what: 'lock', args: { password_lock: true }, create: false, expected: [['usermod', '-L', 'alice']] },
    { what: 'new user with an expiry date, in UTC', args: { name: 'bob', expires: 2529881062 }, create: true, expected: [['useradd', '-e', '2050-03-03', '-m', 'bob']] },
    { what: 'new user that never expires', args: { name: 'bob', expires: -1 }, create: true, expected: [['useradd', '-e', '', '-m', 'bob']] },
    { what: 'same expiry day: nothing', args: { expires: 2529881062 + 3600 }, create: false, expected: [] },
    { what: 'another expiry day', args: { expires: 2529881062 + 86400 }, create: false, expected: [['usermod', '-e', '2050-03-04', 'alice']] },
    { what: 'expiry removed', args: { expires: -1 }, create: false, expected: [['usermod', '-e', '', 'alice']] },
    { what: 'home moved', args: { home: '/srv/alice', move_home: true }, create: false, expected: [['usermod', '-d', '/srv/alice', '-m', 'alice']] },
  ];
  for (const row of rows) {
    test(row.what, () => {
      const args = { ...base, ...row.args };
      const commands = row.create ? createCommands(args, { missingTools: [], groups, homeExists: false }) : modifyCommands(args, existing);
      assert.deepEqual(commands, row.expected);
    });
  }
  test('chage sets only the password ages that differ, and both for a new user', () => {
    assert.deepEqual(passwordAgeCommands({ ...base, password_expire_min: 0, password_expire_max: 10 }, existing), [['chage', '-M', '10', 'alice']]);
    assert.deepEqual(passwordAgeCommands({ ...base, password_expire_min: 0, password_expire_max: 99999 }, existing), []);
    assert.deepEqual(passwordAgeCommands({ ...base, password_expire_min: 0 }, { missingTools: [], groups, homeExists: false }), [['chage', '-m', '0', 'alice']]);
  });
  test('a group that does not exist fails as Ansible does', () => {
    assert.throws(() => modifyCommands({ ...base, groups: ['nope'] }, existing), (e: unknown) => e instanceof ModuleError && e.message === 'Group nope does not exist');
  });
});

describe('group commands', () => {
  const rows: { args: Record<string, unknown>; gid: number | undefined; expected: string[] | undefined }[] = [
    { args: { name: 'g', state: 'present' }, gid: undefined, expected: ['groupadd', 'g'] },
    { args: { name: 'g', state: 'present', gid: 500, system: true }, gid: undefined, expected: ['groupadd', '-g', '500', '-r', 'g'] },
    { args: { name: 'g', state: 'present', gid: 500 }, gid: 500, expected: undefined },
    { args: { name: 'g', state: 'present' }, gid: 500, expected: undefined },
    { args: { name: 'g', state: 'present', gid: 501, non_unique: true }, gid: 500, expected: ['groupmod', '-g', '501', '-o', 'g'] },
    { args: { name: 'g', state: 'absent' }, gid: 500, expected: ['groupdel', 'g'] },
    { args: { name: 'g', state: 'absent' }, gid: undefined, expected: undefined },
  ];
  for (const { args, gid, expected } of rows) {
    test(`${JSON.stringify(args)} with gid ${gid} → ${JSON.stringify(expected)}`, () => assert.deepEqual(groupCommand(args, gid), expected));
  }
});

describe('hostsWithName keeps the Debian 127.0.1.1 line', () => {
  const rows: { hosts: string; name: string; expected: string }[] = [
    { hosts: '', name: 'img', expected: '127.0.0.1\tlocalhost\n127.0.1.1\timg\n' },
    { hosts: '127.0.0.1 localhost\n::1 ip6-localhost\n', name: 'img.example.org', expected: '127.0.0.1 localhost\n127.0.1.1\timg.example.org\timg\n::1 ip6-localhost\n' },
    { hosts: '127.0.0.1 localhost\n127.0.1.1 old\n', name: 'new', expected: '127.0.0.1 localhost\n127.0.1.1\tnew\n' },
    { hosts: '127.0.0.1 localhost\n127.0.1.1   img  # kept\n', name: 'img', expected: '127.0.0.1 localhost\n127.0.1.1   img  # kept\n' },
    { hosts: '10.0.0.1 other', name: 'img', expected: '127.0.1.1\timg\n10.0.0.1 other\n' },
  ];
  for (const { hosts, name, expected } of rows) {
    test(`${JSON.stringify(hosts)} + ${name}`, () => assert.equal(hostsWithName(hosts, name), expected));
  }
});

describe('locale names and /etc/locale.gen', () => {
  const rows: [string, string][] = [
    ['en_US.UTF-8', 'en_US.utf8'],
    ['de_DE', 'de_DE'],
    ['ja_JP.EUC-JP', 'ja_JP.eucjp'],
    ['de_DE.UTF-8@euro', 'de_DE.utf8@euro'],
    ['C.utf8', 'C.utf8'],
  ];
  for (const [name, normalized] of rows) test(`${name} is listed by locale -a as ${normalized}`, () => assert.equal(normalizeLocale(name), normalized));
  const file = '# de_DE ISO-8859-1\n# de_DE.UTF-8 UTF-8\nen_US.UTF-8 UTF-8\n';
  test('enabling uncomments the exact locale only', () => {
    assert.equal(enableLocale(file, 'de_DE.UTF-8', ''), '# de_DE ISO-8859-1\nde_DE.UTF-8 UTF-8\nen_US.UTF-8 UTF-8\n');
  });
  test('enabling a locale missing from the file adds SUPPORTED\'s line', () => {
    assert.equal(enableLocale(file, 'fr_FR.UTF-8', 'fr_FR.UTF-8 UTF-8\nfr_FR ISO-8859-1\n'), `${file}fr_FR.UTF-8 UTF-8\n`);
  });
  test('enabling an unknown locale fails naming it', () => {
    assert.throws(() => enableLocale(file, 'xx_YY', ''), /not available on your system: xx_YY/);
  });
  test('disabling comments the locale out', () => {
    assert.equal(disableLocale(file, 'en_US.UTF-8'), '# de_DE ISO-8859-1\n# de_DE.UTF-8 UTF-8\n# en_US.UTF-8 UTF-8\n');
  });
});

test('setup filter matches fact names as fnmatch does, [seq] included', async () => {
  const result = await runModule(setupModule, { filter: ['ansible_user_[iu]*', 'ansible_kernel'] });
  assert.deepEqual(Object.keys(result.ansible_facts!).sort(), ['ansible_kernel', 'ansible_user_id', 'ansible_user_uid']);
});

describe('service_facts and package_facts parse what the target prints', () => {
  test('SysV scripts, then unit files; a unit listed as running online is running', () => {
    const output = '--initd--\nhwclock.sh disabled\nssh enabled\n--units--\n  ssh.service loaded active running OpenBSD Secure Shell\n● bad.service not-found inactive dead bad.service\n--files--\nssh.service enabled enabled\nbad.service masked enabled\ncron.service disabled enabled\n';
    assert.deepEqual(parseServices(output), {
      'hwclock.sh': { name: 'hwclock.sh', state: 'stopped', status: 'disabled', source: 'sysv' },
      ssh: { name: 'ssh', state: 'stopped', status: 'enabled', source: 'sysv' },
      'ssh.service': { name: 'ssh.service', state: 'running', status: 'enabled', source: 'systemd' },
      'bad.service': { name: 'bad.service', state: 'stopped', status: 'not-found', source: 'systemd' },
      'cron.service': { name: 'cron.service', state: 'stopped', status: 'disabled', source: 'systemd' },
    });
  });
  test('only installed packages count; a name with two architectures has two entries', () => {
    const output = 'installed\tlibc6\t2.36-9\tamd64\tlibs\ninstalled\tlibc6\t2.36-9\ti386\tlibs\nconfig-files\told\t1.0\tamd64\tmisc\n';
    assert.deepEqual(Object.keys(parseInstalledPackages(output)), ['libc6']);
    assert.deepEqual(parseInstalledPackages(output)['libc6']?.map((p) => p.arch), ['amd64', 'i386']);
  });
  test('planSysv enables a script without links by defaults, then enable; offline start passes unchanged', () => {
    const probe = { systemd: false, initd: true, enabled: false, hasKLinks: false, hasUpdateRcD: true };
    const plan = planSysv({ name: 'd', state: 'started', enabled: true }, probe);
    assert.deepEqual(plan.commands, [['update-rc.d', 'd', 'defaults'], ['update-rc.d', 'd', 'enable']]);
    assert.equal(planSysv({ name: 'd', state: 'started' }, probe).result.changed, false);
    assert.deepEqual(planSysv({ name: 'd', state: 'started' }, { ...probe, statusRc: 3 }).commands, [['/etc/init.d/d', 'start']]);
  });
});

describe('user warns about a password that does not look hashed, by Ansible’s rules', () => {
  const sha512 = '$6$rounds=656000$tgK3gYTyRLUmhyv2$' + 'a'.repeat(86);
  const rows: { password: string; warns: boolean }[] = [
    { password: sha512, warns: false },
    { password: '$1$salt$' + 'b'.repeat(22), warns: false },
    { password: '$5$salt$' + 'c'.repeat(43), warns: false },
    { password: '*', warns: false },
    { password: '!', warns: false },
    { password: 'plaintext', warns: true },
    { password: sha512.slice(0, -4) + '++++', warns: true },
    { password: '$6$salt$short', warns: true },
    { password: '!' + sha512, warns: true },
    { password: 'ab$cd', warns: true },
  ];
  for (const { password, warns } of rows) {
    test(`${password.slice(0, 24)}… ${warns ? 'warns' : 'does not warn'}`, () => {
      assert.equal(passwordWarnings(password).length > 0, warns);
    });
  }
});
