import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lineinfileModule } from '../modules/lineinfile.js';
import { moduleFailure, runModule, withTempDir } from './support/moduleRun.js';

/** [description, file before, args, file after, msg] */
const cases: [string, string, Record<string, unknown>, string, string][] = [
  ['appends a missing line at EOF', 'a\nb\n', { line: 'c' }, 'a\nb\nc\n', 'line added'],
  ['adds a newline before appending to an unterminated file', 'a', { line: 'c' }, 'a\nc\n', 'line added'],
  ['leaves an existing line alone', 'a\nc\nb\n', { line: 'c' }, 'a\nc\nb\n', ''],
  ['replaces the last regexp match', 'x=1\ny=2\nx=3\n', { regexp: '^x=', line: 'x=9' }, 'x=1\ny=2\nx=9\n', 'line replaced'],
  ['replaces the first match with firstmatch', 'x=1\nx=3\n', { regexp: '^x=', line: 'x=9', firstmatch: true }, 'x=9\nx=3\n', 'line replaced'],
  ['replaces a search_string match', 'PermitRootLogin yes\n', { search_string: 'PermitRootLogin', line: 'PermitRootLogin no' }, 'PermitRootLogin no\n', 'line replaced'],
  ['inserts after the last insertafter match', 'a\n[s]\nb\n[s]\nc\n', { line: 'new', insertafter: '^\\[s\\]' }, 'a\n[s]\nb\n[s]\nnew\nc\n', 'line added'],
  ['inserts before the first match with firstmatch', 'a\nb\nb\n', { line: 'new', insertbefore: '^b', firstmatch: true }, 'a\nnew\nb\nb\n', 'line added'],
  ['inserts at BOF', 'a\n', { line: '#!', insertbefore: 'BOF' }, '#!\na\n', 'line added'],
  ['appends when insertafter matches nothing', 'a\n', { line: 'z', insertafter: '^nomatch' }, 'a\nz\n', 'line added'],
  ['expands backrefs', 'port = 80\n', { regexp: '^(port) = \\d+$', line: '\\1 = 8080', backrefs: true }, 'port = 8080\n', 'line replaced'],
  ['expands named backrefs', 'k: v\n', { regexp: '^(?P<key>\\w+): ', line: '\\g<key>=x', backrefs: true }, 'k=x\n', 'line replaced'],
  ['does nothing with backrefs and no match', 'a\n', { regexp: '^zzz(.*)', line: '\\1', backrefs: true }, 'a\n', ''],
  ['removes matching lines', 'a\n#x\nb\n#y\n', { regexp: '^#', state: 'absent' }, 'a\nb\n', '2 line(s) removed'],
  ['removes an exact line', 'a\nb\na\n', { line: 'a', state: 'absent' }, 'b\n', '2 line(s) removed'],
];

for (const [description, before, args, after, msg] of cases) {
  test(`lineinfile ${description}`, () =>
    withTempDir(async (dir) => {
      const path = join(dir, 'f');
      await writeFile(path, before);
      const result = await runModule(lineinfileModule, { path, ...args });
      assert.equal(await readFile(path, 'utf8'), after);
      assert.equal(result.msg, msg);
      assert.equal(result.changed, before !== after);
      const again = await runModule(lineinfileModule, { path, ...args });
      assert.equal(again.changed, false, 'second run is idempotent');
      assert.equal(again.roundTrips, 1);
    }));
}

test('lineinfile check mode with diff changes nothing', () =>
  withTempDir(async (dir) => {
    const path = join(dir, "it's $here");
    await writeFile(path, 'a\n');
    const result = await runModule(lineinfileModule, { path, line: 'b' }, { check: true, diff: true });
    assert.equal(result.changed, true);
    assert.equal(await readFile(path, 'utf8'), 'a\n');
    assert.deepEqual((result.diff as unknown[])[0], { before: 'a\n', after: 'a\nb\n', before_header: `${path} (content)`, after_header: `${path} (content)` });
  }));

test('lineinfile create makes the file and folder, with mode, in at most 3 round trips', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'new', '-file');
    assert.equal(await moduleFailure(lineinfileModule, { path, line: 'x' }), `Destination ${path} does not exist !`);
    const result = await runModule(lineinfileModule, { path, line: 'x', create: true, mode: '0600' });
    assert.equal(result.changed, true);
    assert.equal(await readFile(path, 'utf8'), 'x\n');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const again = await runModule(lineinfileModule, { path, line: 'x', create: true });
    assert.equal(again.roundTrips, 1);
  }));

test('lineinfile reports attribute changes as Ansible words them, and backs up', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'a\n');
    const attrs = await runModule(lineinfileModule, { path, line: 'a', mode: '0600' });
    assert.equal(attrs.msg, 'ownership, perms or SE linux context changed');
    const both = await runModule(lineinfileModule, { path, line: 'b', owner: '1234', backup: true });
    assert.equal(both.msg, 'line added and ownership, perms or SE linux context changed');
    assert.equal(await readFile(both.backup as string, 'utf8'), 'a\n');
    assert.equal((await stat(path)).uid, 1234);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  }));

test('lineinfile edits the target of a symlink and keeps the link', () =>
  withTempDir(async (dir) => {
    await writeFile(join(dir, 'real'), 'a\n');
    await symlink('real', join(dir, 'link'));
    await runModule(lineinfileModule, { path: join(dir, 'link'), line: 'b' });
    assert.equal(await readFile(join(dir, 'real'), 'utf8'), 'a\nb\n');
  }));

test('lineinfile errors as Ansible does', () =>
  withTempDir(async (dir) => {
    assert.equal(await moduleFailure(lineinfileModule, { path: dir, line: 'x' }), `Path ${dir} is a directory !`);
    assert.equal(await moduleFailure(lineinfileModule, { path: join(dir, 'f'), state: 'absent' }), 'one of line, search_string, or regexp is required with state=absent');
    assert.equal(await moduleFailure(lineinfileModule, { path: join(dir, 'f') }), 'line is required with state=present');
    const missing = await runModule(lineinfileModule, { path: join(dir, 'f'), line: 'x', state: 'absent' });
    assert.equal(missing.msg, 'file not present');
  }));

test('lineinfile warns that an empty regexp or search_string matches every line, and replaces the last one', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'a\nb\n');
    const byRegexp = await runModule(lineinfileModule, { path, regexp: '', line: 'c' });
    assert.equal(await readFile(path, 'utf8'), 'a\nc\n');
    assert.match((byRegexp['warnings'] as string[])[0]!, /^The regular expression is an empty string, which will match every line .* use '\^' to match/);
    const bySearch = await runModule(lineinfileModule, { path, search_string: '', line: 'd' });
    assert.equal(await readFile(path, 'utf8'), 'a\nd\n');
    assert.match((bySearch['warnings'] as string[])[0]!, /^The search string is an empty string, .* rather than appending\.$/);
  }));

test('lineinfile fails a validation with the message alone, as Ansible does', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'a\n');
    const { roundTrips, ...result } = await runModule(lineinfileModule, { path, line: 'b', validate: 'false %s' });
    assert.ok(roundTrips > 0);
    assert.deepEqual(result, { changed: false, failed: true, msg: 'failed to validate: rc:1 error:' });
    assert.equal(await readFile(path, 'utf8'), 'a\n');
  }));
