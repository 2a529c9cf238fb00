/**
 * A tree's files read from the controller (connections/treeFiles.ts, modules/treeStates.ts): paths resolve
 * inside the tree, never on the controller's own files; through a real persistent nspawn container they are the
 * container's files (its own /tmp), with the same states the command reads; and the file modules send fewer
 * commands for it. Real folders and a real container, no mocks.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Connection } from '../connections/connection.js';
import { ChrootConnection } from '../connections/chroot.js';
import { createNspawnConnection } from '../connections/nspawn.js';
import { TreeFiles, TreeFilesUnanswered } from '../connections/treeFiles.js';
import { copyModule } from '../modules/copy.js';
import { fileModule } from '../modules/file.js';
import { lineinfileModule } from '../modules/lineinfile.js';
import type { Target } from '../modules/module.js';
import { readPathStates, type PathState } from '../modules/remoteFile.js';
import { templateModule } from '../modules/template.js';
import { treeStatesAndExistence } from '../modules/treeStates.js';
import { ConnectionTarget } from '../src/engine/target.js';
import { withTempDir } from './support/moduleRun.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { treeOptions } from './support/treeConnectionCases.js';
import { runModuleOn } from './support/treeModuleRun.js';

const run = promisify(execFile);
const ENSURE_TOOLS = fileURLToPath(new URL('../../scripts/ensure-tools.sh', import.meta.url));

async function withTree(use: (root: string, files: TreeFiles) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const root = join(dir, 'tree');
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'etc', 'hostname'), 'inside-the-tree\n');
    const files = TreeFiles.open(root);
    try {
      await use(root, files);
    } finally {
      files.close();
    }
  });
}

const text = (files: TreeFiles, path: string) => files.readFile(path, true, 1 << 20)?.toString();

describe('TreeFiles resolves every path inside the tree', () => {
  test('an absolute symlink, `..` above the root and a relative link climbing out all land in the tree', () =>
    withTree(async (root, files) => {
      await symlink('/etc/hostname', join(root, 'absolute'));
      await mkdir(join(root, 'a', 'b'), { recursive: true });
      await symlink('../../../../../etc', join(root, 'a', 'b', 'up'));
      await symlink('/a/b/up/hostname', join(root, 'chain'));
      for (const path of ['/absolute', '/../../../etc/hostname', '/a/b/up/hostname', '/chain', 'etc/./hostname', '/etc/../../etc/hostname']) {
        assert.equal(text(files, path), 'inside-the-tree\n', path);
      }
      // Not the controller's: its /etc/hostname is another file.
      assert.notEqual(await readFile('/etc/hostname', 'utf8').catch(() => ''), 'inside-the-tree\n');
    }));

  test('lstat does not follow the last link, stat does; missing paths and files used as folders are absent', () =>
    withTree(async (root, files) => {
      await symlink('/etc/hostname', join(root, 'link'));
      assert.equal(files.stat('/link', false)?.isSymbolicLink(), true);
      assert.equal(files.stat('/link', true)?.isFile(), true);
      assert.equal(files.stat('/link', true)?.size, 16n);
      assert.equal(files.stat('/nothing', false), undefined);
      assert.equal(files.stat('/nothing/below', true), undefined);
      assert.equal(files.stat('/etc/hostname/below', true), undefined);
      assert.equal(files.stat('/', true)?.isDirectory(), true);
      await symlink('/nowhere', join(root, 'dangling'));
      assert.equal(files.stat('/dangling', true), undefined);
      assert.equal(files.stat('/dangling', false)?.isSymbolicLink(), true);
    }));

  test('a loop of links, and anything under /proc, /sys or /dev, cannot be answered here (a command reads it)', () =>
    withTree(async (root, files) => {
      await symlink('/loop2', join(root, 'loop1'));
      await symlink('/loop1', join(root, 'loop2'));
      assert.throws(() => files.stat('/loop1', true), TreeFilesUnanswered);
      await symlink('/proc/self/status', join(root, 'status'));
      for (const path of ['/proc/self/status', '/status', '/sys/kernel', '/dev/null']) assert.throws(() => files.stat(path, true), TreeFilesUnanswered, path);
    }));

  test('readFile gives a regular file up to its limit, nothing for a bigger one, a folder or a FIFO (never blocking on it)', () =>
    withTree(async (root, files) => {
      await run('mkfifo', [join(root, 'fifo')]);
      assert.equal(files.readFile('/fifo', false, 5000), undefined);
      await writeFile(join(root, 'big'), Buffer.alloc(5000, 0x61));
      assert.equal(files.readFile('/big', false, 5000)?.length, 5000);
      assert.equal(files.readFile('/big', false, 4999), undefined);
      assert.equal(files.readFile('/etc', false, 5000), undefined);
      assert.equal(files.readFile('/missing', false, 5000), undefined);
    }));

  test('owner and group names come from the tree\'s own /etc/passwd and /etc/group, and only from them', () =>
    withTree(async (root, files) => {
      const [uid, gid] = [process.getuid!(), process.getgid!()];
      await writeFile(join(root, 'etc', 'passwd'), `treeroot:x:${uid}:${gid}::/root:/bin/sh\nsecond:x:${uid}:${gid}::/:/bin/sh\n`);
      await writeFile(join(root, 'etc', 'group'), `treegroup:x:${gid}:\n`);
      const [state] = treeStatesAndExistence(files, ['/etc/hostname'], [])!.states;
      assert.deepEqual([state!.owner, state!.group], ['treeroot', 'treegroup']);
      // Another name service first, or a passwd that is a link (to a controller path, say): the command answers.
      await writeFile(join(root, 'etc', 'nsswitch.conf'), 'passwd: sss files\ngroup: files\n');
      assert.equal(treeStatesAndExistence(files, ['/etc/hostname'], []), undefined);
      await writeFile(join(root, 'etc', 'nsswitch.conf'), 'passwd: files\ngroup: files\n');
      assert.equal(treeStatesAndExistence(files, ['/etc/hostname'], [])!.states[0]!.owner, 'treeroot');
      await rm(join(root, 'etc', 'passwd'));
      await symlink('/etc/passwd', join(root, 'etc', 'passwd'));
      assert.equal(treeStatesAndExistence(files, ['/etc/hostname'], []), undefined);
    }));

  test('after close it answers nothing', () =>
    withTree(async (_root, files) => {
      files.close();
      assert.throws(() => files.stat('/etc', true), TreeFilesUnanswered);
    }));
});

/** A Target reading with commands only (files hidden): the reference the controller's states must equal. */
function commandsOnly(connection: Connection): Target {
  const target = new ConnectionTarget(connection);
  return { exec: target.exec.bind(target), put: target.put.bind(target), fetch: target.fetch.bind(target) };
}

/** A state without its access time, which reading the file may change. */
const comparable = (state: PathState) => ({ ...state, atime: 0 });

const skip = realTreeSkipReason();
if (skip) {
  test(`tree files through nspawn skipped: ${skip}`, { skip }, () => {});
} else {
  describe('a persistent nspawn container read from the controller', () => {
    let tree = '';
    let remove = async () => {};
    let connection: Connection;
    before(async () => {
      ({ tree, remove } = await copyTestTree());
      connection = createNspawnConnection(treeOptions(tree));
      await connection.open();
    });
    after(async () => {
      await connection.close();
      await remove();
    });

    test('the states equal those the command reads: files, folders, owners by name, checksums and content', async () => {
      await writeFile(join(tree, 'etc', 'odd name'), 'x\n');
      await chown(join(tree, 'etc', 'odd name'), 0, 42); // group shadow in the tree
      await chmod(join(tree, 'etc', 'odd name'), 0o2640);
      const files = connection.treeFiles!();
      assert.ok(files, 'a persistent container run as root offers its files');
      const paths = ['/etc/passwd', '/etc', '/etc/odd name', '/var/lib/../lib/dpkg/status', '/missing', '/lib/x86_64-linux-gnu/../os-release'];
      for (const options of [{}, { checksum: 'sha1' as const, contentLimit: 1 << 20 }]) {
        const fromTree = treeStatesAndExistence(files, paths, ['/etc', '/nope'], options);
        assert.ok(fromTree);
        const byCommand = await readPathStates(commandsOnly(connection), paths, options);
        assert.deepEqual(fromTree.states.map(comparable), byCommand.map(comparable));
        assert.deepEqual(fromTree.exists, [true, false]);
      }
      const shadowGroup = treeStatesAndExistence(files, ['/etc/odd name'], [])!.states[0]!;
      assert.equal(shadowGroup.group, 'shadow');
      assert.equal(shadowGroup.mode, 0o2640);
    });

    test('they are the container\'s files: what a command writes to its own /tmp (a tmpfs) is seen, the tree\'s /tmp is not it', async () => {
      const wrote = await connection.exec('echo in-the-container > /tmp/made-inside && echo ok');
      assert.equal(wrote.stdout.toString(), 'ok\n');
      const files = connection.treeFiles!()!;
      assert.equal(files.readFile('/tmp/made-inside', true, 100)?.toString(), 'in-the-container\n');
      await assert.rejects(stat(join(tree, 'tmp', 'made-inside')), /ENOENT/);
    });

    test('a symlink as the path itself, or an owner the tree does not name, is left to the command', async () => {
      const files = connection.treeFiles!()!;
      await symlink('/etc/hostname', join(tree, 'etc', 'a-link'));
      assert.equal(treeStatesAndExistence(files, ['/etc/a-link'], []), undefined);
      await writeFile(join(tree, 'etc', 'unnamed'), '');
      await chown(join(tree, 'etc', 'unnamed'), 4242, 0);
      assert.equal(treeStatesAndExistence(files, ['/etc/unnamed'], []), undefined);
      const [linkState] = await readPathStates(new ConnectionTarget(connection), ['/etc/a-link']);
      assert.equal(linkState!.type, 'link');
    });

    test('the file modules send fewer commands: lineinfile one, an unchanged copy none, a mode only when it differs', async () => {
      await writeFile(join(tree, 'etc', 'edited.conf'), 'a=1\n');
      const edited = await runModuleOn(connection, lineinfileModule, { path: '/etc/edited.conf', line: 'b=2' });
      assert.equal(edited.changed, true);
      assert.equal(edited.roundTrips, 1);
      assert.equal(await readFile(join(tree, 'etc', 'edited.conf'), 'utf8'), 'a=1\nb=2\n');
      const copied = await runModuleOn(connection, copyModule, { content: 'same\n', dest: '/etc/copied.conf', mode: '0640' });
      assert.deepEqual([copied.changed, copied.roundTrips, copied['mode']], [true, 1, '0640']);
      const again = await runModuleOn(connection, copyModule, { content: 'same\n', dest: '/etc/copied.conf', mode: '0640' });
      assert.deepEqual([again.changed, again.roundTrips, again['mode']], [false, 0, '0640']);
      const unchangedMode = await runModuleOn(connection, fileModule, { path: '/etc/copied.conf', mode: '0640' });
      assert.deepEqual([unchangedMode.changed, unchangedMode.roundTrips], [false, 0]);
      const newMode = await runModuleOn(connection, fileModule, { path: '/etc/copied.conf', mode: '0600' });
      assert.deepEqual([newMode.changed, newMode.roundTrips, newMode['mode']], [true, 1, '0600']);
      assert.equal((await stat(join(tree, 'etc', 'copied.conf'))).mode & 0o7777, 0o600);
    });

    test('a command as another ansible_user gets no files read for it', async () => {
      const other = createNspawnConnection(treeOptions(tree, { ansible_user: 'nobody' }));
      await other.open();
      try {
        assert.equal(other.treeFiles?.(), undefined);
      } finally {
        await other.close();
      }
    });
  });

  describe('a persistent container with a user namespace of its own (--private-users)', () => {
    test('its files are read by commands (owners as the container sees them), and its commands can read their scripts', async () => {
      const { tree, remove } = await copyTestTree();
      const connection = createNspawnConnection(treeOptions(tree, { ansible_nspawn_args: '--private-users=pick --private-users-chown' }));
      try {
        await connection.open();
        assert.equal(connection.treeFiles?.(), undefined);
        const copied = await runModuleOn(connection, copyModule, { content: 'x\n', dest: '/etc/shifted.conf', mode: '0640' });
        assert.deepEqual([copied.failed, copied.changed, copied['owner'], copied['uid'], copied['mode']], [undefined, true, 'root', 0, '0640']);
        const edited = await runModuleOn(connection, lineinfileModule, { path: '/etc/shifted.conf', line: 'y' });
        assert.deepEqual([edited.failed, edited.changed, edited.roundTrips], [undefined, true, 2]);
        // On the controller the file belongs to the container's root: a shifted id, not 0.
        assert.notEqual((await stat(join(tree, 'etc', 'shifted.conf'))).uid, 0);
      } finally {
        await connection.close();
        await remove();
      }
    });
  });

  describe('a chroot tree read from the controller, with a default ACL on a folder', () => {
    test('copy, template, touch, a new folder and lineinfile end with the wanted mode and report it (a chmod after)', async (t) => {
      const find = () => run('sh', ['-c', 'command -v setfacl']).then((found) => found.stdout.trim(), () => undefined);
      const setfacl = (await find()) ?? (await run('sh', [ENSURE_TOOLS, 'playtree tests', 'setfacl=acl']).then(find, () => undefined));
      if (!setfacl) return t.skip('setfacl (the acl package) is not installed and apt could not install it');
      const { tree, scratch, remove } = await copyTestTree();
      const connection = new ChrootConnection(treeOptions(tree));
      try {
        await connection.open();
        assert.ok(connection.treeFiles());
        const shared = join(tree, 'shared');
        await mkdir(shared);
        await run(setfacl, ['-d', '-m', 'u::rwx,g::rwx,o::rwx', shared]);
        // The ACL is real: a file the shell creates with umask 0133 comes out 0666.
        await run('sh', ['-c', `umask 0133 && : > '${join(shared, 'probe')}'`]);
        assert.equal((await stat(join(shared, 'probe'))).mode & 0o777, 0o666);
        await writeFile(join(scratch, 't.j2'), 'value=1\n');
        await writeFile(join(shared, 'kept'), 'token=old\n');
        await chmod(join(shared, 'kept'), 0o600);
        const results = [];
        for (const [module, args] of [
          [copyModule, { content: 'a=1\n', dest: '/shared/copied', mode: '0644' }],
          [copyModule, { content: 'secret\n', dest: '/shared/secret', mode: '0600' }],
          [templateModule, { src: join(scratch, 't.j2'), dest: '/shared/templated', mode: '0644' }],
          [fileModule, { path: '/shared/touched', state: 'touch', mode: '0644' }],
          [fileModule, { path: '/shared/made/deeper', state: 'directory', mode: '0755' }],
        ] as const) {
          const result = await runModuleOn(connection, module, args as Record<string, unknown>);
          assert.notEqual(result.failed, true, String(result.msg));
          results.push(result['mode']);
        }
        assert.equal((await runModuleOn(connection, lineinfileModule, { path: '/shared/kept', line: 'token=new', regexp: '^token=' })).changed, true);
        assert.deepEqual(results, ['0644', '0600', '0644', '0644', '0755']);
        const names = ['copied', 'secret', 'templated', 'touched', 'made/deeper', 'made', 'kept'];
        const modes = await Promise.all(names.map(async (name) => ((await stat(join(shared, name))).mode & 0o7777).toString(8)));
        assert.deepEqual(modes, ['644', '600', '644', '644', '755', '755', '600']);
      } finally {
        await connection.close();
        await remove();
      }
    });
  });
}
