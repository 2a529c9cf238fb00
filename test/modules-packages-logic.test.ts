import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { hkpLookupUrl } from '../modules/apt_key.js';
import { addSource, dumpSourceFile, parseSourceFiles, parseSourceLine, removeSource, sourceFilePath } from '../modules/aptSources.js';
import { repositorySlug, sourcesText } from '../modules/deb822_repository.js';
import { cloneArgv, gitEnvironment, resolveVersion } from '../modules/gitRepo.js';
import { isInstalled, pipArguments, pipProgram, virtualenvArgv, type PipRequest } from '../modules/pipCommands.js';

/** Pure logic of apt_repository, apt_key, deb822_repository, pip and git: names, lines, files, command lines. */

describe('apt_repository names a new file as Ansible does', () => {
  const rows: [string, string | undefined, string][] = [
    ['deb http://nginx.org/packages/debian bookworm nginx', undefined, '/etc/apt/sources.list.d/nginx_org_packages_debian.list'],
    ['deb [arch=amd64 signed-by=/k.gpg] https://user:pw@download.docker.com/linux/debian bookworm stable', undefined, '/etc/apt/sources.list.d/download_docker_com_linux_debian.list'],
    ['deb-src http://a.example/b c main', undefined, '/etc/apt/sources.list.d/a_example_b.list'],
    ['deb http://a.example/b c main', 'mine', '/etc/apt/sources.list.d/mine.list'],
    ['deb http://a.example/b c main', '/etc/apt/elsewhere', '/etc/apt/elsewhere.list'],
  ];
  for (const [line, filename, path] of rows) test(`${line} (${filename ?? 'no filename'}) → ${path}`, () => assert.equal(sourceFilePath(line, filename), path));
});

describe('apt_repository reads and writes source lines as Ansible does', () => {
  const rows: [string, ReturnType<typeof parseSourceLine>][] = [
    ['deb   http://a  b c', { valid: true, enabled: true, source: 'deb http://a b c', comment: '' }],
    ['# deb http://a b c # old', { valid: true, enabled: false, source: 'deb http://a b c', comment: 'old' }],
    ['# just a comment', { valid: false, enabled: false, source: 'just a comment', comment: '' }],
    ['', { valid: false, enabled: true, source: '', comment: '' }],
  ];
  for (const [text, parsed] of rows) test(JSON.stringify(text), () => assert.deepEqual(parseSourceLine(text), parsed));
  test('adding enables a disabled copy in place; removing keeps comments', () => {
    const files = parseSourceFiles(new Map([['/etc/apt/sources.list', '# mine\n#deb http://a b c\n']]));
    const added = addSource(files, 'deb http://a b c', '/x.list');
    assert.deepEqual([...added.keys()], ['/etc/apt/sources.list']);
    assert.equal(dumpSourceFile(added.get('/etc/apt/sources.list')!), '# mine\ndeb http://a b c\n');
    assert.equal(dumpSourceFile(removeSource(added, 'deb http://a b c').get('/etc/apt/sources.list')!), '# mine\n');
  });
});

describe('apt_key and deb822_repository', () => {
  test('keyserver lookups go through HKP over HTTP(S)', () => {
    assert.equal(hkpLookupUrl('hkp://keyserver.ubuntu.com:80', 'ABCD1234'), 'http://keyserver.ubuntu.com:80/pks/lookup?op=get&options=mr&search=0xABCD1234');
    assert.equal(hkpLookupUrl('keys.openpgp.org', 'ABCD1234'), 'http://keys.openpgp.org:11371/pks/lookup?op=get&options=mr&search=0xABCD1234');
    assert.equal(hkpLookupUrl('hkps://keys.openpgp.org', 'ABCD1234'), 'https://keys.openpgp.org/pks/lookup?op=get&options=mr&search=0xABCD1234');
  });
  test('a repository name becomes its file slug', () => {
    assert.equal(repositorySlug('Docker CE_stable (x86)'), 'docker-ce-stable-x86');
  });
  test('fields come sorted by argument name, with Ansible\'s field names', () => {
    assert.equal(sourcesText({ uris: 'http://a', types: 'deb', name: 'n', check_valid_until: 'no' }), 'Check-Valid-Until: no\nX-Repolib-Name: n\nTypes: deb\nURIs: http://a\n');
  });
});

describe('pip and git command lines', () => {
  const base: PipRequest = { names: ['six'], state: 'present', editable: false, virtualenvCommand: 'virtualenv', virtualenvSitePackages: false };
  const rows: { what: string; request: Partial<PipRequest>; argv: string[] }[] = [
    { what: 'present', request: {}, argv: ['install', 'six'] },
    { what: 'version pins the first name', request: { version: '1.16.0' }, argv: ['install', 'six==1.16.0'] },
    { what: 'latest upgrades', request: { state: 'latest' }, argv: ['install', '-U', 'six'] },
    { what: 'absent uninstalls without asking', request: { state: 'absent' }, argv: ['uninstall', '-y', 'six'] },
    { what: 'forcereinstall', request: { state: 'forcereinstall' }, argv: ['install', '-U', '--force-reinstall', 'six'] },
    { what: 'extra_args split like a shell, editable adds -e', request: { extraArgs: "--index-url 'http://a b'", editable: true }, argv: ['install', '--index-url', 'http://a b', '-e', 'six'] },
    { what: 'requirements', request: { names: [], requirements: 'req.txt' }, argv: ['install', '-r', 'req.txt'] },
  ];
  for (const row of rows) test(`pip ${row.what}`, () => assert.deepEqual(pipArguments({ ...base, ...row.request }), row.argv));
  test('virtualenv gets -p unless it is Python\'s venv; its pip is used', () => {
    assert.deepEqual(virtualenvArgv({ ...base, virtualenv: '/v', virtualenvSitePackages: true }), ['virtualenv', '--system-site-packages', '-ppython3', '/v']);
    assert.deepEqual(virtualenvArgv({ ...base, virtualenv: '/v', virtualenvCommand: 'python3 -m venv' }), ['python3', '-m', 'venv', '/v']);
    assert.equal(pipProgram({ ...base, virtualenv: '/v/' }), '/v/bin/pip');
    assert.equal(pipProgram(base), 'pip3');
  });
  test('check mode compares canonical names and pinned versions', () => {
    const freeze = 'Foo_Bar==1.0\nsix==1.16.0\n';
    assert.deepEqual([isInstalled('foo-bar', undefined, freeze), isInstalled('six==1.15', undefined, freeze), isInstalled('six', '1.16.0', freeze), isInstalled('seven', undefined, freeze)], [true, false, true, false]);
  });
  test('git clone passes --branch only for a named branch or tag, never a depth for a sha', () => {
    const o = { git: 'git', repo: 'file:///r', dest: '/d', remote: 'origin', bare: false, singleBranch: false, depth: 1 };
    assert.deepEqual(cloneArgv(o, 'dev', 'branch'), ['git', 'clone', '--origin', 'origin', '--depth', '1', '--branch', 'dev', '--', 'file:///r', '/d']);
    assert.deepEqual(cloneArgv(o, 'abc1234', 'sha'), ['git', 'clone', '--origin', 'origin', '--', 'file:///r', '/d']);
    assert.deepEqual(cloneArgv({ ...o, bare: true, depth: undefined }, 'HEAD', 'head'), ['git', 'clone', '--bare', '--', 'file:///r', '/d']);
  });
  test('git resolves a version from ls-remote: peeled tag, branch, sha', () => {
    const refs: [string, string][] = [['a'.repeat(40), 'HEAD'], ['b'.repeat(40), 'refs/tags/v1'], ['c'.repeat(40), 'refs/tags/v1^{}'], ['d'.repeat(40), 'refs/heads/dev']];
    assert.deepEqual(resolveVersion('v1', refs), { kind: 'tag', sha: 'c'.repeat(40) });
    assert.deepEqual(resolveVersion('dev', refs), { kind: 'branch', sha: 'd'.repeat(40) });
    assert.deepEqual(resolveVersion('ABCDEF1', refs), { kind: 'sha', sha: 'abcdef1' });
    assert.equal(resolveVersion('nope', refs), undefined);
  });
});

test('git ssh options become one GIT_SSH_COMMAND that a shell splits back into the argv', () => {
  assert.equal(gitEnvironment({ acceptHostkey: false, acceptNewHostkey: false }), 'export LC_ALL=C GIT_TERMINAL_PROMPT=0');
  const env = gitEnvironment({ acceptHostkey: false, acceptNewHostkey: true, keyFile: '/root/my key' });
  // git runs GIT_SSH_COMMAND through sh: split it the same way.
  const words = execFileSync('sh', ['-c', `${env}\neval "set -- $GIT_SSH_COMMAND"; printf '%s\\n' "$@"`]).toString().split('\n').slice(0, -1);
  assert.deepEqual(words, ['ssh', '-o', 'StrictHostKeyChecking=accept-new', '-i', '/root/my key', '-o', 'IdentitiesOnly=yes']);
});
