import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commandModule } from '../modules/command.js';
import { shellModule } from '../modules/shell.js';
import { rawModule } from '../modules/raw.js';
import { argsFromFreeForm } from '../modules/args.js';
import { formatDelta, formatTimestamp, splitLines } from '../modules/commandResult.js';
import { runModule, withTempDir } from './support/moduleRun.js';

test('command returns stdout without its trailing newlines, rc 0 and changed', async () => {
  const result = await runModule(commandModule, { _raw_params: 'printf "a\\nb\\n\\n"' });
  assert.equal(result.stdout, 'a\nb');
  assert.deepEqual(result['stdout_lines'], ['a', 'b']);
  assert.equal(result.rc, 0);
  assert.equal(result.changed, true);
  assert.equal(result.failed, undefined);
  assert.equal(result.msg, '');
  assert.equal(result.roundTrips, 1);
});

test('command keeps stdout untouched when strip_empty_ends is off', async () => {
  const result = await runModule(commandModule, { _raw_params: 'printf "a\\n\\n"', strip_empty_ends: false });
  assert.equal(result.stdout, 'a\n\n');
});

test('command reports cmd as the shlex-split words', async () => {
  const result = await runModule(commandModule, { _raw_params: `echo "a  b" 'c d' e\\ f` });
  assert.deepEqual(result['cmd'], ['echo', 'a  b', 'c d', 'e f']);
  assert.equal(result.stdout, 'a  b c d e f');
});

test('command passes *, |, ; and $(...) to the program literally', async () => {
  const result = await runModule(commandModule, { _raw_params: "printf '%s\\n' * | ; `id` '$(id)'" });
  assert.deepEqual(result['stdout_lines'], ['*', '|', ';', '`id`', '$(id)']);
});

test('command expands $VAR, ${VAR} and a leading ~ as ansible run_command does, even inside quotes', async () => {
  // expected rows are ansible-core 2.14's output for the same words
  const home = process.env['HOME']!;
  const words = ['${PLAYTREE_UNSET}', '~', '~/x', 'a~', '$HOME', '${HOME}1', '$HOME1', '~playtree-no-such-user/x', '$1'];
  const expected = ['${PLAYTREE_UNSET}', home, `${home}/x`, 'a~', home, `${home}1`, '$HOME1', '~playtree-no-such-user/x', '$1'];
  const freeForm = await runModule(commandModule, { _raw_params: `printf '%s\\n' ${words.map((w) => `'${w}'`).join(' ')}` });
  assert.deepEqual(freeForm['stdout_lines'], expected);
  const argv = await runModule(commandModule, { argv: ['printf', '%s\n', ...words] });
  assert.deepEqual(argv['stdout_lines'], expected);
  assert.deepEqual(argv['cmd'], ['printf', '%s\n', ...words]);
});

test('command argv keeps quotes, spaces and newlines inside one word', async () => {
  const word = `it's "quoted" $(id) \n next`;
  const result = await runModule(commandModule, { argv: ['printf', '%s', word] });
  assert.equal(result.stdout, word.trimEnd());
  assert.deepEqual(result['cmd'], ['printf', '%s', word]);
});

test('command fails with non-zero return code and keeps rc, stdout and stderr', async () => {
  const result = await runModule(commandModule, { _raw_params: 'sh -c "echo out; echo err >&2; exit 3"' });
  assert.equal(result.failed, true);
  assert.equal(result.msg, 'non-zero return code');
  assert.equal(result.rc, 3);
  assert.equal(result.stdout, 'out');
  assert.equal(result.stderr, 'err');
  assert.deepEqual(result['stderr_lines'], ['err']);
  assert.equal(result.changed, true);
});

test('command reports a missing program as ansible does (rc 2, errno message)', async () => {
  const result = await runModule(commandModule, { _raw_params: 'playtree-no-such-program --flag' });
  assert.equal(result.failed, true);
  assert.equal(result.rc, 2);
  assert.equal(result.msg, "[Errno 2] No such file or directory: b'playtree-no-such-program'");
  assert.equal(result['cmd'], 'playtree-no-such-program --flag');
  assert.equal(result.changed, false);
});

test('command output is binary safe: NUL bytes survive and invalid UTF-8 becomes U+FFFD', async () => {
  const result = await runModule(commandModule, { _raw_params: "printf 'a\\000b\\377c'" });
  assert.equal(result.stdout, 'a\u0000b\uFFFDc');
});

test('command skips with ansible message when creates exists', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'marker file'), '');
    const result = await runModule(commandModule, { _raw_params: `touch ${join(dir, 'ran')}`, creates: join(dir, 'marker*') });
    assert.equal(result.changed, false);
    assert.equal(result.rc, 0);
    assert.equal(result.msg, `Did not run command since '${join(dir, 'marker*')}' exists`);
    assert.equal(result.stdout, `skipped, since ${join(dir, 'marker*')} exists`);
    await assert.rejects(readFile(join(dir, 'ran')));
  });
});

test('command runs when creates matches nothing', async () => {
  await withTempDir(async (dir) => {
    const result = await runModule(commandModule, { _raw_params: `touch ${join(dir, 'made')}`, creates: join(dir, 'made') });
    assert.equal(result.changed, true);
    assert.equal(await readFile(join(dir, 'made'), 'utf8'), '');
  });
});

test('command skips when removes matches nothing and runs when it matches', async () => {
  await withTempDir(async (dir) => {
    const target = join(dir, 'old');
    const skipped = await runModule(commandModule, { argv: ['rm', target], removes: target });
    assert.equal(skipped.changed, false);
    assert.equal(skipped.msg, `Did not run command since '${target}' does not exist`);
    assert.equal(skipped.stdout, `skipped, since ${target} does not exist`);
    await writeFile(target, 'x');
    const ran = await runModule(commandModule, { argv: ['rm', target], removes: target });
    assert.equal(ran.changed, true);
    await assert.rejects(readFile(target));
  });
});

test('command runs in chdir, and relative creates resolve there', async () => {
  await withTempDir(async (dir) => {
    await mkdir(join(dir, 'sub dir'));
    const ran = await runModule(commandModule, { _raw_params: 'pwd', chdir: join(dir, 'sub dir') });
    assert.equal(ran.stdout, join(dir, 'sub dir'));
    await writeFile(join(dir, 'sub dir', 'here'), '');
    const skipped = await runModule(commandModule, { _raw_params: 'pwd', chdir: join(dir, 'sub dir'), creates: 'here' });
    assert.equal(skipped.changed, false);
  });
});

test('command fails naming the folder when chdir does not exist', async () => {
  const result = await runModule(commandModule, { _raw_params: 'pwd', chdir: '/playtree/no/such/dir' });
  assert.equal(result.failed, true);
  assert.equal(result.msg, "Unable to change directory before execution: [Errno 2] No such file or directory: b'/playtree/no/such/dir'");
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'file'), '');
    const notDir = await runModule(commandModule, { _raw_params: 'pwd', chdir: join(dir, 'file') });
    assert.equal(notDir.msg, `Unable to change directory before execution: [Errno 20] Not a directory: b'${join(dir, 'file')}'`);
  });
});

test('command expands $VAR and ~ in chdir and creates, as ansible path arguments', async () => {
  const home = await runModule(commandModule, { _raw_params: 'pwd', chdir: '~' });
  assert.equal(home.stdout, process.env['HOME']);
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'flag 1'), '');
    process.env['PLAYTREE_TEST_DIR'] = dir;
    try {
      const skipped = await runModule(commandModule, { _raw_params: 'false', creates: '${PLAYTREE_TEST_DIR}/flag*' });
      assert.equal(skipped.msg, "Did not run command since '${PLAYTREE_TEST_DIR}/flag*' exists");
      const unset = await runModule(commandModule, { _raw_params: 'false', creates: `${dir}/$PLAYTREE_UNSET*` });
      assert.equal(unset.rc, 1, 'an unset variable stays literal, so the pattern matches nothing and the command runs');
    } finally {
      delete process.env['PLAYTREE_TEST_DIR'];
    }
  });
});

test('command feeds stdin with a newline added, or exactly with stdin_add_newline off', async () => {
  const withNewline = await runModule(commandModule, { _raw_params: 'od -c', stdin: 'hi', strip_empty_ends: false });
  assert.match(String(withNewline.stdout), /h\s+i\s+\\n/);
  const exact = await runModule(commandModule, { argv: ['wc', '-c'], stdin: 'hi', stdin_add_newline: false });
  assert.equal(String(exact.stdout).trim(), '2');
});

test('command in check mode is skipped without running', async () => {
  await withTempDir(async (dir) => {
    const result = await runModule(commandModule, { argv: ['touch', join(dir, 'x')] }, { check: true });
    assert.equal(result.skipped, true);
    assert.equal(result.changed, false);
    assert.equal(result.msg, 'Command would have run if not in check mode');
    assert.equal(result.roundTrips, 0);
    await assert.rejects(readFile(join(dir, 'x')));
  });
});

test('command in check mode reports changed when creates does not exist, without running', async () => {
  await withTempDir(async (dir) => {
    const made = join(dir, 'x');
    const result = await runModule(commandModule, { argv: ['touch', made], creates: made }, { check: true });
    assert.equal(result.changed, true);
    assert.equal(result.skipped, undefined);
    assert.equal(result.msg, 'Command would have run if not in check mode');
    await assert.rejects(readFile(made));
    await writeFile(made, '');
    const would = await runModule(commandModule, { argv: ['touch', made], creates: made }, { check: true });
    assert.equal(would.msg, `Would not run command since '${made}' exists`);
  });
});

test('command refuses no command and command together with argv (rc 256)', async () => {
  const none = await runModule(commandModule, { _raw_params: '  ' });
  assert.equal(none.msg, 'no command given');
  assert.equal(none.rc, 256);
  const both = await runModule(commandModule, { _raw_params: 'ls', argv: ['ls'] });
  assert.equal(both.msg, 'only command or argv can be given, not both');
});

test('command takes cmd: as its command text', async () => {
  const result = await runModule(commandModule, { cmd: 'echo from cmd' });
  assert.equal(result.stdout, 'from cmd');
});

test('command ignores executable with ansible warning', async () => {
  const result = await runModule(commandModule, { _raw_params: 'echo x', executable: '/bin/bash' });
  assert.equal(result.stdout, 'x');
  assert.match(String((result['warnings'] as string[])[0]), /no longer supported with the 'command' module/);
});

test('shell runs pipes, variables and globs through /bin/sh', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'a.txt'), '');
    await writeFile(join(dir, 'b.txt'), '');
    const result = await runModule(shellModule, { _raw_params: 'X=hello; echo $X | tr a-z A-Z; ls *.txt | wc -l', chdir: dir });
    assert.deepEqual(result['stdout_lines'], ['HELLO', '2']);
    assert.equal(result['cmd'], 'X=hello; echo $X | tr a-z A-Z; ls *.txt | wc -l');
  });
});

test('shell runs a multi-line script with a here-document as written', async () => {
  const result = await runModule(shellModule, { _raw_params: 'cat <<EOF\nline  with  spaces\nEOF\necho done' });
  assert.equal(result.stdout, 'line  with  spaces\ndone');
});

test('shell uses executable -c when given', async () => {
  const result = await runModule(shellModule, { _raw_params: 'echo "$0"', executable: '/bin/bash' });
  assert.equal(result.stdout, '/bin/bash');
});

test('shell reads stdin and fails on non-zero exit', async () => {
  const result = await runModule(shellModule, { _raw_params: 'read line; echo "got $line"; exit 4', stdin: 'abc' });
  assert.equal(result.stdout, 'got abc');
  assert.equal(result.rc, 4);
  assert.equal(result.failed, true);
});

test('shell with creates is skipped by a glob match', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'done.flag'), '');
    const result = await runModule(shellModule, { _raw_params: 'exit 1', creates: join(dir, '*.flag') });
    assert.equal(result.failed, undefined);
    assert.equal(result.changed, false);
  });
});

test('raw returns stdout and stderr unstripped and fails on non-zero rc', async () => {
  const ok = await runModule(rawModule, { _raw_params: 'echo out; echo err >&2' });
  assert.equal(ok.stdout, 'out\n');
  assert.equal(ok.stderr, 'err\n');
  assert.deepEqual(ok['stdout_lines'], ['out']);
  assert.equal(ok.changed, true);
  const bad = await runModule(rawModule, { _raw_params: 'exit 7' });
  assert.equal(bad.rc, 7);
  assert.equal(bad.failed, true);
  assert.equal(bad.msg, 'non-zero return code');
});

test('raw uses executable -c and is skipped in check mode', async () => {
  const bash = await runModule(rawModule, { _raw_params: 'echo $BASH_VERSION | cut -c1', executable: '/bin/bash' });
  assert.match(String(bash.stdout), /^\d\n$/);
  const checked = await runModule(rawModule, { _raw_params: 'echo x' }, { check: true });
  assert.equal(checked.skipped, true);
  assert.equal(checked.roundTrips, 0);
});

const FREE_FORM_TABLE: [module: 'command' | 'shell' | 'raw', text: string, expected: Record<string, string>][] = [
  ['command', 'ls -l /tmp', { _raw_params: 'ls -l /tmp' }],
  ['command', 'chdir=/srv creates=/srv/done make install', { chdir: '/srv', creates: '/srv/done', _raw_params: 'make install' }],
  ['command', 'echo key=value removes=/x', { removes: '/x', _raw_params: 'echo key=value' }],
  ['command', "echo 'chdir=/not/an/option'", { _raw_params: "echo 'chdir=/not/an/option'" }],
  ['shell', 'executable=/bin/bash echo $0 | cat', { executable: '/bin/bash', _raw_params: 'echo $0 | cat' }],
  ['shell', 'stdin=hello cat', { stdin: 'hello', _raw_params: 'cat' }],
  ['raw', 'executable=/bin/sh uname -a', { executable: '/bin/sh', _raw_params: 'uname -a' }],
];

const modules = { command: commandModule, shell: shellModule, raw: rawModule };
for (const [name, text, expected] of FREE_FORM_TABLE) {
  test(`${name} free form ${JSON.stringify(text)} splits its options as ansible`, () => {
    assert.deepEqual(argsFromFreeForm(modules[name], text), expected);
  });
}

test('command free form with options runs as ansible would', async () => {
  await withTempDir(async (dir) => {
    const result = await runModule(commandModule, argsFromFreeForm(commandModule, `chdir=${dir} pwd`));
    assert.equal(result.stdout, dir);
  });
});

const DELTA_TABLE: [micros: number, expected: string][] = [
  [3456, '0:00:00.003456'],
  [1_000_000, '0:00:01'],
  [3_723_000_001, '1:02:03.000001'],
  [86_400_000_000 + 5_000_000, '1 day, 0:00:05'],
];
for (const [micros, expected] of DELTA_TABLE) {
  test(`delta of ${micros}µs prints as python's timedelta ${expected}`, () => assert.equal(formatDelta(micros), expected));
}

test('start and end print as python datetime with microseconds', async () => {
  assert.match(formatTimestamp(Date.UTC(2024, 0, 2, 3, 4, 5) * 1000 + 42), /^2024-01-0\d \d\d:\d\d:05\.000042$/);
  const result = await runModule(commandModule, { _raw_params: 'true' });
  assert.match(String(result['start']), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/);
  assert.match(String(result['delta']), /^0:00:\d\d(\.\d{6})?$/);
});

test('stdout_lines splits as python splitlines', () => {
  assert.deepEqual(splitLines('a\r\nb\rc\n\nd\n'), ['a', 'b', 'c', '', 'd']);
  assert.deepEqual(splitLines(''), []);
});
