import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURES, runPlaytree } from './fixtures/e2e/runPlaytree.js';

test('an undefined variable fails the task with its name, the task and file:line:col (exit 2)', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'errors/undefined.yml']);
  assert.equal(run.code, 2);
  assert.ok(
    run.stdout.includes(
      `fatal: [alpha]: FAILED! => {"msg": "The task includes an option with an undefined variable. The error was: 'not_set_anywhere' is undefined. The error appears to be in '${FIXTURES}/errors/undefined.yml:4:7' (task 'Uses a variable nobody set')"}`,
    ),
    run.stdout,
  );
});

// Exit codes and the one-line error on stderr: never a stack trace.
const failures: Array<[what: string, args: string[], code: number, stderr: RegExp]> = [
  ['a YAML syntax error', ['-i', 'hosts.ini', 'errors/syntax.yml'], 4, /^ERROR! \/.*errors\/syntax\.yml:5:1: YAML syntax error: [^\n]*\n$/],
  ['an unknown task keyword', ['-i', 'hosts.ini', 'errors/unknown-key.yml'], 4, /^ERROR! \/.*errors\/unknown-key\.yml:4:7: conflicting action statements: debug, wen\n$/],
  ['k=v text a module cannot take', ['-i', 'hosts.ini', 'errors/extra-params.yml'], 4, /^ERROR! \/.*errors\/extra-params\.yml:5:7: this task 'debug' has extra params, which is only allowed in the following modules: command, [^\n]*\n$/],
  ['a syntax error under --syntax-check', ['-i', 'hosts.ini', 'errors/syntax.yml', '--syntax-check'], 4, /errors\/syntax\.yml:5:1: /],
  ['an unknown option', ['--bogus', 'basics.yml'], 2, /^ERROR! Unknown option '--bogus'/],
  ['a bad --forks', ['-f', '0', 'basics.yml'], 2, /^ERROR! -f\/--forks must be a positive whole number, got '0'\n/],
  ['no playbook', ['-i', 'hosts.ini'], 2, /^ERROR! the following arguments are required: playbook/],
  ['-e data that is not a mapping', ['-i', 'hosts.ini', 'basics.yml', '-e', '[1]'], 5, /^ERROR! -e '\[1\]' is neither key=value pairs nor a YAML\/JSON mapping\n$/],
  ['a missing -e @file', ['-i', 'hosts.ini', 'basics.yml', '-e', '@/nonexistent/vars.yml'], 1, /the extra vars file '\/nonexistent\/vars.yml' could not be read/],
  ['a missing playbook', ['-i', 'hosts.ini', 'nope.yml'], 1, /^ERROR! the playbook: nope.yml could not be found/],
  ['an unknown connection (-c only a default)', ['-i', 'errors/bare.ini', 'errors/unreachable.yml', '-c', 'nosuch'], 2, /^$/],
  ['a missing nspawn tree', ['-i', 'errors/missing-tree.ini', 'errors/unreachable.yml'], 4, /^$/],
];

for (const [what, args, code, stderr] of failures) {
  test(`${what} exits ${code} with a one-line reason`, async () => {
    const run = await runPlaytree(args);
    assert.equal(run.code, code, run.stderr);
    assert.match(run.stderr, stderr);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('an unreachable host is reported UNREACHABLE and counted in the recap', async () => {
  const run = await runPlaytree(['-i', 'errors/missing-tree.ini', 'errors/unreachable.yml']);
  assert.match(run.stdout, /fatal: \[image\]: UNREACHABLE! => \{"changed": false, "msg": "image: tree \/nonexistent\/playtree-tree does not exist; [^"]*", "unreachable": true\}/);
  assert.match(run.stdout, /\nimage {22}: ok=0 {4}changed=0 {4}unreachable=1 {4}failed=0 /);
  assert.doesNotMatch(run.stdout, /TASK \[debug\]/);
});

test('an unknown connection fails the task, as ansible-core reports a connection plugin it cannot find', async () => {
  const run = await runPlaytree(['-i', 'errors/bare.ini', 'errors/unreachable.yml', '-c', 'nosuch']);
  assert.match(
    run.stdout,
    /fatal: \[lonely\]: FAILED! => \{"changed": false, "msg": "the connection plugin 'nosuch' was not found \(known: chroot, local, nspawn, ssh\); put a driver in connection_plugins\/nosuch\.js to add it \(task 'Needs a connection' at \S+unreachable\.yml:4:7\)"\}/,
  );
  assert.match(run.stdout, /\nlonely {21}: ok=0 {4}changed=0 {4}unreachable=0 {4}failed=1 /);
});

test('ansible_connection of the host beats -c, as in Ansible', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'errors/unreachable.yml', '-c', 'nosuch', '-l', 'alpha']);
  assert.equal(run.code, 0, run.stdout);
  assert.match(run.stdout, /changed: \[alpha\]/);
});

test('--version and --help exit 0', async () => {
  const version = await runPlaytree(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^playtree \d+\.\d+\.\d+/);
  const help = await runPlaytree(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: playtree /);
});
