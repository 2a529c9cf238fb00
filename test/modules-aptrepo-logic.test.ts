import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hkpLookupUrl } from '../modules/apt_key.js';
import { addSource, dumpSourceFile, parseSourceFiles, parseSourceLine, removeSource, sourceFilePath } from '../modules/aptSources.js';
import { repositorySlug, sourcesText } from '../modules/deb822_repository.js';

/** Pure logic of apt_repository, apt_key and deb822_repository: names, lines, files. */

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
