import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleFragments, decodePythonEscapes } from '../modules/assemble.js';
import { editIni, type IniRequest } from '../modules/iniEdit.js';
import { editSysctl, sysctlValue } from '../modules/sysctl.js';
import { editFstab, escapeFstab } from '../modules/mount.js';
import { cronLine, crontabLines, editCrontab } from '../modules/cronEdit.js';
import { editKeyFile } from '../modules/authorizedKeys.js';

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
