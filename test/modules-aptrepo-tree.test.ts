import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ChrootConnection } from '../connections/chroot.js';
import { aptKeyModule } from '../modules/apt_key.js';
import { fingerprints } from '../modules/aptKeys.js';
import { aptRepositoryModule } from '../modules/apt_repository.js';
import { deb822RepositoryModule } from '../modules/deb822_repository.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { runModuleOn } from './support/treeModuleRun.js';

/**
 * apt_repository, apt_key and deb822_repository in one copy of the Debian test tree through chroot. The
 * tree's own sources are replaced by a local flat repository (file:///srv/ptrepo) so `apt-get update`
 * needs no network; keys are the tree's Debian archive key, served by a local HTTP server for `url`.
 */

const skip = realTreeSkipReason();
const DEBIAN_KEY_FP = '4D64FEC119C2029067D6E791F8D2585B8783D481';
const REPO = 'deb [trusted=yes] file:///srv/ptrepo ./';

describe('apt sources and keys in a Debian tree through chroot', { skip }, () => {
  let tree = '';
  let remove = async () => {};
  let connection: ChrootConnection;
  let server: Server;
  let baseUrl = '';
  let key = Buffer.alloc(0);
  const run = (module: Parameters<typeof runModuleOn>[1], args: Record<string, unknown>, options: Parameters<typeof runModuleOn>[3] = {}) =>
    runModuleOn(connection, module, args, options);
  const inTree = (path: string) => join(tree, path);
  const read = (path: string) => readFile(inTree(path), 'utf8');

  before(async () => {
    ({ tree, remove } = await copyTestTree());
    key = await readFile(inTree('etc/apt/trusted.gpg.d/debian-archive-bookworm-stable.asc'));
    await writeFile(inTree('etc/apt/sources.list'), '# the tree\'s own sources\n#deb   file:///srv/ptdisabled ./\n');
    await mkdir(inTree('srv/ptrepo'), { recursive: true });
    await writeFile(inTree('srv/ptrepo/Packages'), '');
    server = createServer((req, res) => {
      if (req.url === '/key.asc') res.end(key);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    connection = new ChrootConnection({ host: tree, vars: {}, config: {}, log: () => {} });
    await connection.open();
  });
  after(async () => {
    await connection?.close();
    server?.close();
    await remove();
  });

  describe('apt_repository', () => {
    test('check mode shows the new file in the diff and writes nothing', async () => {
      const result = await run(aptRepositoryModule, { repo: REPO }, { check: true, diff: true });
      assert.equal(result.changed, true);
      assert.deepEqual(result.diff, [{ before: '', after: `${REPO}\n`, before_header: '/dev/null', after_header: '/etc/apt/sources.list.d/srv_ptrepo.list' }]);
      assert.equal(existsSync(inTree('etc/apt/sources.list.d/srv_ptrepo.list')), false);
    });
    test('a deb line goes to sources.list.d/NAME.list as Ansible names it, mode 0644, and apt-get update reads it; again ok', async () => {
      const result = await run(aptRepositoryModule, { repo: REPO });
      assert.equal(result.failed, undefined, String(result.msg));
      assert.equal(result.changed, true);
      assert.equal(await read('etc/apt/sources.list.d/srv_ptrepo.list'), `${REPO}\n`);
      assert.equal((await stat(inTree('etc/apt/sources.list.d/srv_ptrepo.list'))).mode & 0o777, 0o644);
      // apt links a file: repository's index into its lists (a link inside the tree: test the link itself).
      assert.ok(await lstat(inTree('var/lib/apt/lists/_srv_ptrepo_._Packages')).then(() => true, () => false), 'apt-get update did not read the repository');
      assert.equal((await run(aptRepositoryModule, { repo: `deb  [trusted=yes]   file:///srv/ptrepo ./` })).changed, false);
    });
    test('a disabled copy of the line is enabled where it is', async () => {
      const result = await run(aptRepositoryModule, { repo: 'deb file:///srv/ptdisabled ./', update_cache: false });
      assert.equal(result.changed, true);
      assert.equal(await read('etc/apt/sources.list'), "# the tree's own sources\ndeb file:///srv/ptdisabled ./\n");
    });
    test('filename and mode name and set a new file', async () => {
      const result = await run(aptRepositoryModule, { repo: 'deb http://example.org/debian bookworm main', filename: 'example', mode: '0600', update_cache: false });
      assert.equal(result.changed, true);
      assert.equal((await stat(inTree('etc/apt/sources.list.d/example.list'))).mode & 0o777, 0o600);
    });
    test('absent removes the line, and the file it emptied', async () => {
      const result = await run(aptRepositoryModule, { repo: 'deb http://example.org/debian bookworm main', state: 'absent', update_cache: false });
      assert.equal(result.changed, true);
      assert.equal(existsSync(inTree('etc/apt/sources.list.d/example.list')), false);
    });
    test('a source apt cannot update from fails and is taken back out', async () => {
      const result = await run(aptRepositoryModule, { repo: 'deb [trusted=yes] file:///srv/missing ./', update_cache_retries: 1 });
      assert.equal(result.failed, true);
      assert.match(String(result.msg), /^Failed to update apt cache/);
      assert.equal(existsSync(inTree('etc/apt/sources.list.d/srv_missing.list')), false);
    });
    test('ppa: is refused saying what to write instead; a line that is no source is invalid', async () => {
      assert.match(String((await run(aptRepositoryModule, { repo: 'ppa:nginx/stable' })).msg), /^ppa repositories are not supported \(ppa:nginx\/stable\): give the deb line/);
      assert.equal((await run(aptRepositoryModule, { repo: 'http://example.org/ bookworm main' })).msg, 'Invalid repository string: http://example.org/ bookworm main');
    });
  });

  describe('apt_key', () => {
    const keyFile = 'etc/apt/trusted.gpg.d/F8D2585B8783D481.asc';
    test('data is stored in trusted.gpg.d under its long id; again ok; by id alone ok', async () => {
      await writeFile(inTree('etc/apt/trusted.gpg.d/debian-archive-bookworm-stable.asc'), '');
      const first = await run(aptKeyModule, { data: key.toString() });
      assert.deepEqual([first.failed, first.changed, first['fp']], [undefined, true, DEBIAN_KEY_FP]);
      assert.equal(await read(keyFile), key.toString());
      assert.equal((await run(aptKeyModule, { data: key.toString(), id: '8783D481' })).changed, false);
      assert.equal((await run(aptKeyModule, { id: `0x${DEBIAN_KEY_FP}`, url: `${baseUrl}/missing` })).changed, false);
    });
    test('a key that is not the id fails, as does an id alone that is not there; absent by id removes the file', async () => {
      assert.match(String((await run(aptKeyModule, { data: key.toString(), id: 'DEADBEEF' })).msg), /^key id mismatch: DEADBEEF/);
      assert.equal((await run(aptKeyModule, { id: 'DEADBEEF' })).msg, 'key DEADBEEF is not in /etc/apt/trusted.gpg.d and there is no key to add: give data, file, url or keyserver');
      const removed = await run(aptKeyModule, { id: '8783D481', state: 'absent' });
      assert.equal(removed.changed, true);
      assert.equal(existsSync(inTree(keyFile)), false);
      assert.equal((await run(aptKeyModule, { id: '8783D481', state: 'absent' })).changed, false);
    });
    test('url with keyring PATH.gpg writes the binary key apt wants there', async () => {
      const result = await run(aptKeyModule, { url: `${baseUrl}/key.asc`, keyring: '/etc/apt/keyrings/debian.gpg' });
      assert.equal(result.changed, true, String(result.msg));
      const written = await readFile(inTree('etc/apt/keyrings/debian.gpg'));
      assert.equal(written[0]! & 0x80, 0x80);
      assert.deepEqual(fingerprints(written), [DEBIAN_KEY_FP]);
    });
  });

  describe('deb822_repository', () => {
    const args = { name: 'Example Repo_1', uris: 'http://example.org/debian', suites: ['bookworm'], components: ['main', 'contrib'], signed_by: '', enabled: true, architectures: ['amd64'] };
    test('writes SLUG.sources with its key downloaded into /etc/apt/keyrings; again ok; absent removes both', async () => {
      const first = await run(deb822RepositoryModule, { ...args, signed_by: `${baseUrl}/key.asc` });
      assert.equal(first.failed, undefined, String(first.msg));
      assert.equal(first.changed, true);
      assert.equal(
        await read('etc/apt/sources.list.d/example-repo-1.sources'),
        'Architectures: amd64\nComponents: main contrib\nEnabled: yes\nX-Repolib-Name: Example Repo_1\nSigned-By: /etc/apt/keyrings/example-repo-1.asc\nSuites: bookworm\nTypes: deb\nURIs: http://example.org/debian\n',
      );
      assert.equal(await read('etc/apt/keyrings/example-repo-1.asc'), key.toString());
      assert.equal((await run(deb822RepositoryModule, { ...args, signed_by: `${baseUrl}/key.asc` })).changed, false);
      const gone = await run(deb822RepositoryModule, { name: 'Example Repo_1', state: 'absent' });
      assert.equal(gone.changed, true);
      assert.equal(existsSync(inTree('etc/apt/sources.list.d/example-repo-1.sources')), false);
      assert.equal(existsSync(inTree('etc/apt/keyrings/example-repo-1.asc')), false);
    });
    test('key text in signed_by is embedded, indented, empty lines as dots', async () => {
      const result = await run(deb822RepositoryModule, { name: 'inline', uris: ['http://example.org/debian'], suites: ['bookworm'], signed_by: 'line one\n\nline two\n' });
      assert.equal(result.changed, true);
      assert.match(await read('etc/apt/sources.list.d/inline.sources'), /^Signed-By:\n {4}line one\n {4}\.\n {4}line two\nSuites: bookworm\n/m);
    });
  });
});
