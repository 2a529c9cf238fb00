import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleFragments, decodePythonEscapes } from '../modules/assemble.js';
import { editIni, type IniRequest } from '../modules/iniEdit.js';
import { editSysctl, sysctlValue } from '../modules/sysctl.js';
import { editFstab, escapeFstab } from '../modules/mount.js';
import { cronLine, crontabLines, editCrontab } from '../modules/cronEdit.js';
import { editKeyFile } from '../modules/authorizedKeys.js';
import { editLimits } from '../modules/pam_limits.js';
import { persistentChanges } from '../modules/modprobe.js';
import { editKnownHosts, hashHost, hostMatches } from '../modules/known_hosts.js';
import { parseQuery } from '../modules/alternatives.js';
import { parseEntries } from '../modules/getent.js';

const fragments = (...texts: string[]) => texts.map((text, i) => ({ name: `${i}`, content: Buffer.from(text) }));

test('assemble joins fragments, adding the missing newline and the delimiter between them', () => {
  const rows: [string[], string | undefined, string][] = [
    [['a\n', 'b\n'], undefined, 'a\nb\n'],
    [['a', 'b'], undefined, 'a\nb'],
    [['a\n', 'b\n'], '#--', 'a\n#--\nb\n'],
    [['a', 'b'], '\\n--\\n', 'a\n\n--\nb'],
  ];
  for (const [texts, delimiter, expected] of rows) assert.equal(assembleFragments(fragments(...texts), { delimiter }).toString(), expected);
});

test('assemble decodes Python escapes in the delimiter', () => {
  assert.deepEqual(decodePythonEscapes('a\\tb\\x41\\101\\\\\\q'), Buffer.from('a\tbAA\\\\q'));
});

const ini = (over: Partial<IniRequest>): IniRequest => ({ values: [], present: true, exclusive: true, noExtraSpaces: false, allowNoValue: false, ...over });

test('ini_file edits as community.general does', () => {
  const rows: [string, Partial<IniRequest>, string, string][] = [
    ['[a]\nx = 1\n# y = 2\n\n[b]\nz=3', { section: 'a', option: 'y', values: ['5'] }, '[a]\nx = 1\ny = 5\n\n[b]\nz=3\n', 'option changed'],
    ['[a]\nx = 1\n', { section: 'c', option: 'k', values: ['v'] }, '[a]\nx = 1\n[c]\nk = v\n', 'section and option added'],
    ['', { section: 's', option: 'k', values: ['v'] }, '\n[s]\nk = v\n', 'section and option added'],
    ['[a]\nx = 1\n', { option: 'top', values: ['t'], noExtraSpaces: true }, 'top=t\n[a]\nx = 1\n', 'option added'],
    ['[a]\nx = 1\nx = 2\nx = 3\n', { section: 'a', option: 'x', values: ['3', '4'] }, '[a]\nx = 4\nx = 3\n', 'option changed'],
    ['[a]\nx = 1\ny = 2\n', { section: 'a', option: 'x', present: false }, '[a]\ny = 2\n', 'option changed'],
    ['[a]\nx = 1\n[b]\ny = 2\n', { section: 'a', present: false }, '[b]\ny = 2\n', 'section removed'],
    ['[a]\nflag\n', { section: 'a', option: 'other', allowNoValue: true }, '[a]\nflag\nother\n', 'option added'],
  ];
  for (const [text, request, expected, msg] of rows) {
    const edit = editIni(text, ini(request));
    assert.deepEqual([edit.text, edit.msg, edit.changed], [expected, msg, true], JSON.stringify(request));
  }
});

test('ini_file leaves a file holding the option alone', () => {
  const edit = editIni('[a]\nx = 1\n', ini({ section: 'a', option: 'x', values: ['1'] }));
  assert.deepEqual([edit.changed, edit.msg], [false, 'OK']);
});

test('sysctl rewrites the file as Ansible: trimmed, k=v, duplicates dropped, new keys appended', () => {
  const text = '# c\n net.a = 1\nnet.b=2\nnet.a=3\n';
  assert.deepEqual(editSysctl(text, 'net.a', '5'), { current: '3', text: '# c\nnet.a=5\nnet.b=2\n' });
  assert.deepEqual(editSysctl(text, 'net.c', '1'), { current: undefined, text: '# c\nnet.a=1\nnet.b=2\nnet.c=1\n' });
  assert.equal(editSysctl(text, 'net.b', undefined).text, '# c\nnet.a=1\n');
  assert.deepEqual([sysctlValue('yes'), sysctlValue('False'), sysctlValue(' 4096 8192 ')], ['1', '0', '4096 8192']);
});

test('mount edits fstab lines as Ansible: escaped fields, changed in place, appended, removed', () => {
  const entry = { src: '/dev/sdb1', name: '/srv/my data', fstype: 'ext4', opts: 'defaults', dump: '0', passno: '2' };
  const text = '# fstab\nproc /proc proc defaults 0 0\n/dev/sdb1 /srv/my\\040data ext3 defaults 0 2\n';
  assert.deepEqual(editFstab(text, entry, true, true), { text: '# fstab\nproc /proc proc defaults 0 0\n/dev/sdb1 /srv/my\\040data ext4 defaults 0 2\n', changed: true });
  assert.deepEqual(editFstab('proc /proc proc defaults 0 0', { ...entry, name: '/srv' }, true, true).text, 'proc /proc proc defaults 0 0\n/dev/sdb1 /srv ext4 defaults 0 2\n');
  assert.deepEqual(editFstab(text, entry, false, false), { text: '# fstab\nproc /proc proc defaults 0 0\n', changed: true });
  assert.equal(editFstab('/dev/sdb1 /srv ext4 defaults 0 2\n', { ...entry, name: '/srv' }, true, true).changed, false);
  assert.equal(escapeFstab('a b&c\\'), 'a\\040b\\046c\\134');
});

test('cron adds, updates and removes named jobs and variables as Ansible', () => {
  const timing = { minute: '0', hour: '5', day: '*', month: '*', weekday: '*', disabled: false };
  const job = cronLine('backup.sh', timing);
  assert.equal(job, '0 5 * * * backup.sh');
  assert.equal(cronLine('x', { ...timing, special: 'reboot', user: 'root', disabled: true }), '#@reboot root x');
  const added = editCrontab(['MAILTO=""'], { name: 'nightly', present: true, job, env: false });
  assert.deepEqual(added.lines, ['MAILTO=""', '#Ansible: nightly', job]);
  const updated = editCrontab(added.lines, { name: 'nightly', present: true, job: '1 5 * * * backup.sh', env: false });
  assert.deepEqual(updated.lines, ['MAILTO=""', '#Ansible: nightly', '1 5 * * * backup.sh']);
  assert.equal(editCrontab(added.lines, { name: 'nightly', present: true, job, env: false }).changed, false);
  assert.deepEqual(editCrontab(added.lines, { name: 'nightly', present: false, env: false }).lines, ['MAILTO=""']);
  assert.deepEqual(editCrontab([job], { name: 'adopted', present: true, job, env: false }).lines, ['#Ansible: adopted', job]);
  const env = editCrontab(added.lines, { name: 'PATH', present: true, job: '/bin', env: true, insertafter: 'MAILTO' });
  assert.deepEqual(env.lines.slice(0, 2), ['MAILTO=""', 'PATH="/bin"']);
  assert.equal(editCrontab([], { name: 'X', present: true, job: '1', env: true, insertbefore: 'NOPE' }).error, "Variable named 'NOPE' not found.");
  assert.deepEqual(crontabLines('# DO NOT EDIT THIS FILE - edit the master and reinstall.\n# (/tmp/crontab.x installed on now)\n# (Cron version -- 1)\nA=1\n', true), ['A=1']);
});

test('authorized_key keeps other lines, replaces a key whose options changed, and honours exclusive', () => {
  const file = '# keys\nssh-ed25519 AAAA1 alice@a\nssh-rsa BBBB2 bob\n';
  const add = editKeyFile(file, { keys: 'ssh-ed25519 CCCC3 carol', present: true, exclusive: false });
  assert.deepEqual(add, { text: `${file}ssh-ed25519 CCCC3 carol\n`, changed: true });
  assert.deepEqual(editKeyFile(file, { keys: 'ssh-ed25519 AAAA1 alice@a', present: true, exclusive: false }), { text: file, changed: false });
  const options = editKeyFile(file, { keys: 'ssh-ed25519 AAAA1 alice@a', present: true, exclusive: false, keyOptions: 'no-pty,command="a,b"' });
  assert.equal('text' in options && options.text, '# keys\nssh-rsa BBBB2 bob\nno-pty,command="a,b" ssh-ed25519 AAAA1 alice@a\n');
  const exclusive = editKeyFile(file, { keys: 'ssh-rsa BBBB2 bob\n\n# note', present: true, exclusive: true });
  assert.equal('text' in exclusive && exclusive.text, 'ssh-rsa BBBB2 bob\n');
  assert.deepEqual(editKeyFile(file, { keys: 'ssh-rsa BBBB2', present: false, exclusive: false }), { text: '# keys\nssh-ed25519 AAAA1 alice@a\n', changed: true });
  assert.deepEqual(editKeyFile('', { keys: 'not a key', present: true, exclusive: false }), { error: 'invalid key specified: not a key' });
});

test('pam_limits changes the matching line in place, honours use_max, and appends a new limit', () => {
  const request = { domain: '*', type: 'soft', item: 'nofile', value: '4096', useMax: false, useMin: false, comment: '' };
  const text = '# limits\n*    soft   nofile   1024  # old\n@adm hard nproc 10\n';
  assert.deepEqual(editLimits(text, request), { text: '# limits\n*\tsoft\tnofile\t4096\t# old\n@adm hard nproc 10\n', line: '*\tsoft\tnofile\t4096\t# old\n' });
  assert.equal(editLimits('* soft nofile 8192\n', { ...request, useMax: true }).text, '* soft nofile 8192\n');
  assert.equal(editLimits('', { ...request, comment: 'c' }).text, '*\tsoft\tnofile\t4096\t#c\n');
});

test('modprobe persistent writes modules-load.d and modprobe.d files, commenting out older options', () => {
  const files = [{ path: '/etc/modprobe.d/old.conf', text: 'options dummy numdummies=1\nblacklist x\n' }];
  assert.deepEqual(persistentChanges(files, 'dummy', 'numdummies=2', true), [
    { path: '/etc/modules-load.d/dummy.conf', text: 'dummy\n' },
    { path: '/etc/modprobe.d/old.conf', text: '#options dummy numdummies=1\nblacklist x\n' },
    { path: '/etc/modprobe.d/dummy.conf', text: 'options dummy numdummies=2\n' },
  ]);
  const done = [{ path: '/etc/modules-load.d/dummy.conf', text: 'dummy\n' }, { path: '/etc/modprobe.d/dummy.conf', text: 'options dummy numdummies=2\n' }];
  assert.deepEqual(persistentChanges(done, 'dummy', 'numdummies=2', true), []);
  assert.deepEqual(persistentChanges(done, 'dummy', '', false).map((f) => f.text), ['#dummy\n', '#options dummy numdummies=2\n']);
});

test('known_hosts matches plain and hashed hosts, replaces a key of the same type and removes a host', () => {
  const hashed = hashHost('git.example');
  assert.ok(hostMatches(hashed, 'git.example'));
  assert.ok(!hostMatches(hashed, 'other'));
  const text = `git.example,10.0.0.1 ssh-ed25519 OLD\n${hashed} ssh-rsa RSA\nother ssh-ed25519 X\n`;
  assert.deepEqual(editKnownHosts(text, 'git.example', 'git.example ssh-ed25519 NEW', true), {
    text: `${hashed} ssh-rsa RSA\nother ssh-ed25519 X\ngit.example ssh-ed25519 NEW\n`, changed: true,
  });
  assert.equal(editKnownHosts(text, 'git.example', `${hashHost('git.example')} ssh-rsa RSA`, true).changed, false);
  assert.deepEqual(editKnownHosts(text, 'git.example', undefined, false), { text: 'other ssh-ed25519 X\n', changed: true });
});

test('alternatives reads update-alternatives --query: link, mode, value, priorities and slaves', () => {
  const output = 'Name: editor\nLink: /usr/bin/editor\nSlaves:\n editor.1.gz /usr/share/man/man1/editor.1.gz\nStatus: manual\nBest: /bin/nano\nValue: /usr/bin/vim.tiny\n\nAlternative: /bin/nano\nPriority: 40\nSlaves:\n editor.1.gz /usr/share/man/man1/nano.1.gz\n\nAlternative: /usr/bin/vim.tiny\nPriority: 15\n';
  const group = parseQuery(output);
  assert.deepEqual([group.link, group.mode, group.value], ['/usr/bin/editor', 'manual', '/usr/bin/vim.tiny']);
  assert.deepEqual(group.alternatives.get('/bin/nano'), { priority: 40, subcommands: [{ name: 'editor.1.gz', path: '/usr/share/man/man1/nano.1.gz', link: '/usr/share/man/man1/editor.1.gz' }] });
  assert.equal(group.alternatives.get('/usr/bin/vim.tiny')?.priority, 15);
});

test('getent facts: entries by first field, colon split for passwd, repeated keys as a list', () => {
  assert.deepEqual(parseEntries('root:x:0:0:root:/root:/bin/bash\n', 'passwd', undefined), { root: ['x', '0', '0', 'root', '/root', '/bin/bash'] });
  assert.deepEqual(parseEntries('127.0.0.1  localhost\n127.0.0.1 other\n', 'hosts', undefined), { '127.0.0.1': [['localhost'], ['other']] });
});
