import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cleanupArgv, dpkgOptionArgs, installArgv, removeArgv, updateDelays, upgradeArgv, type AptRunOptions } from '../modules/aptCommands.js';
import { debPathForApt, parseDebFields } from '../modules/aptDeb.js';
import {
  namesMarkedAuto, namesToRemove, parseStateOutput, preparedDiff, specsToInstall, splitPackageSpec, summaryChanged,
  type InstalledPackage,
} from '../modules/aptState.js';
import { parseDebconfShow } from '../modules/debconf.js';
import { compareDebianVersions } from '../modules/debianVersion.js';
import { fnmatch } from '../src/core/fnmatch.js';
import { GUARD_MARKER, withPolicyRcD } from '../modules/policyRcD.js';
import { aptModule } from '../modules/apt.js';
import type { Target } from '../modules/module.js';
import { moduleContext } from './support/treeModuleRun.js';

describe('apt package specs', () => {
  const rows: [string, object][] = [
    ['hello', { spec: 'hello', name: 'hello' }],
    [' hello ', { spec: 'hello', name: 'hello' }],
    ['hello=2.10-3', { spec: 'hello=2.10-3', name: 'hello', compare: '=', version: '2.10-3' }],
    ['hello=2.*', { spec: 'hello=2.*', name: 'hello', compare: '=', version: '2.*' }],
    ['hello>=2.9', { spec: 'hello>=2.9', name: 'hello', compare: '>=', version: '2.9' }],
    ['libc6:amd64', { spec: 'libc6:amd64', name: 'libc6:amd64' }],
  ];
  for (const [input, expected] of rows) {
    test(`splitPackageSpec reads ${JSON.stringify(input)}`, () => assert.deepEqual(splitPackageSpec(input), expected));
  }
  test('splitPackageSpec refuses two version operators, as Ansible', () => {
    assert.throws(() => splitPackageSpec('a=1=2'), /invalid package spec: a=1=2/);
  });
});

describe('Debian version order (as dpkg --compare-versions)', () => {
  const rows: [string, string, number][] = [
    ['1.0', '1.0', 0],
    ['1.0', '1.1', -1],
    ['1.10', '1.9', 1],
    ['1:0.1', '2.0', 1],
    ['1.0~rc1', '1.0', -1],
    ['1.0~rc1', '1.0~rc2', -1],
    ['1.0', '1.0-1', -1],
    ['1.0-2', '1.0-10', -1],
    ['1.0a', '1.0', 1],
    ['1.0a', '1.0+', -1],
    ['2.10-3', '2.10-3', 0],
    ['3.0pl1-162', '3.0pl1-161', 1],
    ['0:1.2', '1.2', 0],
  ];
  for (const [a, b, expected] of rows) {
    test(`${a} compared with ${b} is ${expected}`, () => assert.equal(compareDebianVersions(a, b), expected));
  }
});

describe('fnmatch as Python does', () => {
  const rows: [string, string, boolean][] = [
    ['2.10-3', '2.*', true],
    ['3.10-3', '2.*', false],
    ['libfoo1', 'libfoo?', true],
    ['libfoo', 'lib[fb]oo', true],
    ['libzoo', 'lib[!fb]oo', true],
    ['a.b', 'a?b', true],
    ['axb', 'a.b', false],
    ['^', '[^a]', true],
    ['b', '[^a]', false],
  ];
  for (const [text, pattern, expected] of rows) {
    test(`fnmatch(${text}, ${pattern}) is ${expected}`, () => assert.equal(fnmatch(text, pattern), expected));
  }
});

const STATE_OUTPUT = [
  '1700000000',
  '--- playtree apt state ---',
  'hello\tamd64\tii \t2.10-3',
  'cron\tamd64\trc \t3.0pl1-162',
  'sl\tamd64\tun \t',
  'libgcc-s1\tamd64\tii \t12.2.0-14',
  'libfoo1:i386\ti386\tii \t1.0',
  '--- playtree apt state ---',
  'libgcc-s1',
  '',
].join('\n');

describe('apt state parsing and decisions', () => {
  const state = parseStateOutput(STATE_OUTPUT);
  const pkg = (name: string) => state.packages.find((p) => p.name === name)!;

  test('parseStateOutput reads the cache time, dpkg status and apt-mark auto flags', () => {
    assert.equal(state.cacheTime, 1700000000);
    assert.deepEqual(pkg('hello'), { name: 'hello', architecture: 'amd64', status: 'ii ', version: '2.10-3', auto: false } satisfies InstalledPackage);
    assert.equal(pkg('libgcc-s1').auto, true);
  });

  test('parseStateOutput with no names gives the cache time and no packages', () => {
    assert.deepEqual(parseStateOutput('0\n--- playtree apt state ---\n'), { cacheTime: 0, packages: [] });
  });

  const installRows: [string, string[]][] = [
    ['hello', []],
    ['hello=2.10-3', []],
    ['hello=2.*', []],
    ['hello=2.9-1', ['hello=2.9-1']],
    ['hello>=2.9', []],
    ['hello>=2.11', ['hello>=2.11']],
    ['cron', ['cron']],
    ['sl', ['sl']],
    ['absent-package', ['absent-package']],
    ['libfoo1:i386', []],
  ];
  for (const [spec, expected] of installRows) {
    test(`state=present installs ${JSON.stringify(expected)} for ${spec}`, () => {
      assert.deepEqual(specsToInstall([splitPackageSpec(spec)], state.packages).map((s) => s.spec), expected);
    });
  }

  const removeRows: [string, boolean, string[]][] = [
    ['hello', false, ['hello']],
    ['hello=9.9', false, []],
    ['cron', false, []],
    ['cron', true, ['cron']],
    ['sl', true, []],
    ['h*', false, ['hello']],
    ['lib*', false, ['libgcc-s1']],
    ['lib*:i386', false, ['libfoo1:i386']],
  ];
  for (const [spec, purge, expected] of removeRows) {
    test(`state=absent${purge ? ' purge' : ''} removes ${JSON.stringify(expected)} for ${spec}`, () => {
      assert.deepEqual(namesToRemove([splitPackageSpec(spec)], state.packages, purge), expected);
    });
  }

  test('installed packages marked automatic are the ones to mark manual', () => {
    assert.deepEqual(namesMarkedAuto(['hello', 'libgcc-s1'].map(splitPackageSpec), state.packages), ['libgcc-s1']);
  });
});

describe('apt-get output', () => {
  const rows: [string, boolean | undefined][] = [
    ['Reading...\n0 upgraded, 0 newly installed, 0 to remove and 3 not upgraded.\n', false],
    ['Reading...\r\n0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.\r\n', true],
    ['1 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n', true],
    ['0 upgraded, 0 newly installed, 2 to remove and 0 not upgraded.\n', true],
    ['E: Unable to locate package x\n', undefined],
  ];
  for (const [stdout, expected] of rows) {
    test(`summaryChanged is ${expected} for ${JSON.stringify(stdout.slice(0, 40))}`, () => assert.equal(summaryChanged(stdout), expected));
  }

  test('preparedDiff keeps apt-get plan between "Reading state information..." and the summary, as Ansible', () => {
    const out = 'Reading package lists...\nReading state information...\nThe following NEW packages will be installed:\n  hello\n0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.\nUnpacking hello\n';
    assert.deepEqual(preparedDiff(out), {
      prepared: 'The following NEW packages will be installed:\n  hello\n0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.',
    });
  });
});

describe('apt-get argv', () => {
  const base: AptRunOptions = { check: false, dpkgOptions: 'force-confdef,force-confold' };
  const dpkg = ['-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'];
  const rows: [string, string[], string[]][] = [
    ['install', installArgv(['hello'], base), ['apt-get', '-y', ...dpkg, 'install', 'hello']],
    ['install in check mode without recommends', installArgv(['a', 'b=1'], { ...base, check: true, installRecommends: false }),
      ['apt-get', '-y', ...dpkg, '--simulate', '-o', 'APT::Install-Recommends=no', 'install', 'a', 'b=1']],
    ['install with recommends, release, lock timeout', installArgv(['a'], { ...base, installRecommends: true, defaultRelease: 'bookworm-backports', lockTimeout: 60 }),
      ['apt-get', '-y', ...dpkg, '-o', 'DPkg::Lock::Timeout=60', '-t', 'bookworm-backports', '-o', 'APT::Install-Recommends=yes', 'install', 'a']],
    ['remove with purge and autoremove', removeArgv(['a'], { ...base, purge: true, autoremove: true }), ['apt-get', '-q', '-y', ...dpkg, '--purge', '--auto-remove', 'remove', 'a']],
    ['dist upgrade', upgradeArgv('dist', base), ['apt-get', '-y', ...dpkg, 'dist-upgrade']],
    ['safe upgrade', upgradeArgv('safe', base), ['apt-get', '-y', ...dpkg, 'upgrade', '--with-new-pkgs']],
    ['autoremove', cleanupArgv('autoremove', { ...base, purge: true }), ['apt-get', '-y', ...dpkg, '--purge', 'autoremove']],
    ['custom dpkg options', dpkgOptionArgs('force-confnew'), ['-o', 'Dpkg::Options::=--force-confnew']],
  ];
  for (const [what, argv, expected] of rows) {
    test(`apt-get argv for ${what}`, () => assert.deepEqual(argv, expected));
  }

  test('update retries back off as 2^n plus a fraction, capped at the max delay', () => {
    assert.deepEqual(updateDelays(5, 5, 0.5), [1.5, 2.5, 4.5, 5.5]);
    assert.deepEqual(updateDelays(1, 12, 0.5), []);
  });
});

describe('deb and debconf helpers', () => {
  test('parseDebFields reads dpkg-deb -f output', () => {
    assert.deepEqual(parseDebFields('Package: pt-demo\nVersion: 1.0-1\nArchitecture: all\n'), { Package: 'pt-demo', Version: '1.0-1', Architecture: 'all' });
  });
  const pathRows: [string, string][] = [['/tmp/a.deb', '/tmp/a.deb'], ['a.deb', './a.deb'], ['-x.deb', './-x.deb'], ['sub/a.deb', 'sub/a.deb']];
  for (const [input, expected] of pathRows) {
    test(`a deb named ${input} reaches apt-get as ${expected}`, () => assert.equal(debPathForApt(input), expected));
  }
  test('parseDebconfShow drops the seen star and keeps values with colons', () => {
    assert.deepEqual(parseDebconfShow('* debconf/frontend: Dialog\n  debconf/priority: high\n  pkg/url: http://x:80/\n'), {
      'debconf/frontend': 'Dialog',
      'debconf/priority': 'high',
      'pkg/url': 'http://x:80/',
    });
  });
});

describe('policy-rc.d guard script', () => {
  test('the guard writes an exit-101 script with the marker and removes it on EXIT, HUP, INT and TERM', () => {
    const script = withPolicyRcD('true');
    assert.match(script, /exit 101/);
    assert.ok(script.includes(GUARD_MARKER));
    assert.match(script, /trap '.*rm -f \/usr\/sbin\/policy-rc\.d.*' EXIT/);
    assert.match(script, /trap '.*rm -f \/usr\/sbin\/policy-rc\.d.*; trap - EXIT; exit 143' TERM/);
    assert.match(script, /\[ ! -d \/run\/systemd\/system \]/);
  });
  test('policy_rc_d forces the guard with its exit code and saves a user file aside', () => {
    const script = withPolicyRcD('true', 0);
    assert.match(script, /\nexit 0\n/);
    assert.match(script, /mv -f \/usr\/sbin\/policy-rc\.d \/usr\/sbin\/policy-rc\.d\.playtree-saved/);
    assert.doesNotMatch(script, /\/run\/systemd\/system/);
  });
});

for (const [what, args] of [
  ['a package', { name: 'hello', policy_rc_d: 101 }],
  ['a .deb file', { deb: '/tmp/hello.deb', policy_rc_d: 101 }],
] as const) {
  test(`apt in check mode runs apt-get --simulate for ${what} without writing a policy-rc.d guard`, async () => {
    const commands: string[] = [];
    const target: Target = {
      exec: async (command) => {
        commands.push(String(command));
        // dpkg-deb's fields, then no installed version: the .deb would be installed.
        const stdout = String(command).includes('dpkg-deb') ? 'Package: hello\nVersion: 1\nArchitecture: all\n--- playtree deb state ---\n' : '';
        return { rc: 0, stdout: Buffer.from(stdout), stderr: Buffer.alloc(0) };
      },
      put: async () => {},
      fetch: async () => {},
    };
    const result = await aptModule.run(moduleContext(target, aptModule, { ...args }, { host: 'h', check: true }));
    assert.equal(result.changed, true);
    const install = commands.find((command) => command.includes('apt-get'));
    assert.match(install ?? '', /--simulate/);
    assert.doesNotMatch(install ?? '', /policy-rc\.d/);
  });
}

