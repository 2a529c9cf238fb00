import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleFragments, decodePythonEscapes } from '../modules/assemble.js';
import { editIni, type IniRequest } from '../modules/iniEdit.js';
import { editSysctl, sysctlValue } from '../modules/sysctl.js';

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
