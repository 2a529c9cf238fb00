import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './fixtures/e2e/runPlaytree.js';

const run = promisify(execFile);

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string }>;
}

/** npm without the settings an enclosing `npm test` passes down to its children (npm_config_*). */
function npmEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
}

test('npm pack holds the launcher, the bundle and the plug-in types; installed with npm install -g, playtree runs', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'playtree-package-'));
  try {
    const env = npmEnvironment();
    // --ignore-scripts: prepack would rebuild dist/ under the tests that are running from it (npm test built it).
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', root], { cwd: REPO, env });
    const [pack] = JSON.parse(stdout) as PackResult[];
    const paths = pack!.files.map((file) => file.path);
    t.diagnostic(`${pack!.filename}: ${(pack!.size / 1024).toFixed(0)} KB packed, ${(pack!.unpackedSize / 1024).toFixed(0)} KB unpacked, ${paths.length} files`);
    for (const needed of ['bin/playtree.js', 'dist/bundle/playtree.js', 'dist/bundle/urlFetchWorker.js', 'dist/types/api/playtree.d.ts', 'README.md', 'package.json']) {
      assert.ok(paths.includes(needed), `${needed} is missing from the package`);
    }
    const unwanted = paths.filter((path) => (path.endsWith('.ts') && !/^dist\/types\/.*\.d\.ts$/.test(path)) || path.endsWith('.map') || /^(test|src|dist\/(src|test))\//.test(path));
    assert.deepEqual(unwanted, [], 'no tests, TypeScript sources, tsc output (but the plug-in declarations) nor source maps in the package');

    const prefix = join(root, 'prefix');
    await run('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(root, pack!.filename)], { cwd: root, env });
    const playtree = join(prefix, 'bin/playtree');
    await t.test('the installed playtree prints --version and runs a play', async () => {
      const version = await run(playtree, ['--version'], { cwd: root });
      assert.match(version.stdout, /^playtree \d+\.\d+\.\d+\n/);
      await writeFile(join(root, 'play.yml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: { msg: "installed {{ 1 + 1 }}" }\n');
      const play = await run(playtree, ['-i', 'localhost,', '-c', 'local', 'play.yml'], { cwd: root, env: { ...env, PLAYTREE_NO_LIVE: '1' } });
      assert.match(play.stdout, /"msg": "installed 2"/);
      assert.match(play.stdout, /localhost\s+: ok=1 /);
    });
    await t.test('the example module examples/library/hostname_file.js runs from library/ beside a playbook: changed, then ok', async () => {
      await runExampleModule(playtree, root, env);
    });
    await t.test('plug-ins typed from the installed package (TypeScript, and the JSDoc-typed examples) compile under tsc --strict --checkJs; each broken one is reported', async () => {
      await checkPluginTypes(join(prefix, 'lib/node_modules/playtree'), join(root, 'project'));
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

const EXAMPLES = join(REPO, 'examples');

/** A project whose node_modules holds the installed package (and the Node types its declarations name). */
async function pluginProject(installed: string, project: string): Promise<void> {
  await mkdir(join(project, 'node_modules/@types'), { recursive: true });
  await symlink(installed, join(project, 'node_modules/playtree'));
  await symlink(join(REPO, 'node_modules/@types/node'), join(project, 'node_modules/@types/node'));
  await writeFile(join(project, 'package.json'), '{ "type": "module", "private": true }\n');
  const compilerOptions = { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, allowJs: true, checkJs: true, types: ['node'] };
  await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts', '*.js'] }));
  await copyFile(join(EXAMPLES, 'library/hostname_file.js'), join(project, 'hostname_file.js'));
  await copyFile(join(EXAMPLES, 'connection_plugins/local_logged.js'), join(project, 'local_logged.js'));
}

const TYPED_PLUGINS = `import type { Connection, ConnectionFactory, ModuleContext, ModuleDefinition, ModuleResult } from 'playtree';
import { Readable, Writable } from 'node:stream';

const echo: ConnectionFactory = ({ host, vars, log }) => {
  const connection: Connection = {
    transport: 'echo',
    async open() { log(3, host + String(vars['ansible_host'])); },
    async exec(command, options) { return { rc: 0, stdout: Buffer.from(command), stderr: Buffer.alloc(0), stdoutDropped: options?.keepOutput }; },
    async put(source: Readable, remotePath: string) { source.resume(); log(1, remotePath); },
    async fetch(_remotePath: string, sink: Writable) { sink.end(); },
    async close() {},
  };
  return connection;
};

const marker: ModuleDefinition = {
  name: 'marker',
  args: { path: { type: 'path', required: true }, lines: { type: 'list', elements: 'str', default: [] } },
  async run(ctx: ModuleContext): Promise<ModuleResult> {
    const found = await ctx.target.exec(['test', '-e', String(ctx.args['path'])]);
    if (found.rc === 0) return { changed: false };
    if (!ctx.check) await ctx.target.put(ctx.render('{{ inventory_hostname }}'), String(ctx.args['path']));
    return { changed: true, diff: ctx.diff ? { before: '', after: 'x' } : undefined };
  },
};
export { echo, marker };
`;

/** Each line ending in `// error` must be reported, and nothing else. */
const WRONG_PLUGINS = `import type { Connection, ModuleDefinition } from 'playtree';

export const noClose: Connection = { // error
  transport: 'bad',
  async open() {},
  async exec(command) { return { rc: 0, stdout: Buffer.from(command), stderr: Buffer.alloc(0) }; },
  async put() {},
  async fetch() {},
};
export const textOutput: Connection['exec'] = async (command) => ({ rc: 0, stdout: command, stderr: Buffer.alloc(0) }); // error
export const wrongArgType: ModuleDefinition['args'] = { path: { type: 'string' } }; // error
export const noSuchMethod: ModuleDefinition['run'] = async (ctx) => {
  await ctx.target.copy('a', 'b'); // error
  return { changed: true };
};
export const noChanged: ModuleDefinition['run'] = async () => ({ change: true }); // error
`;

/**
 * Against the installed package: a TypeScript file typed with `import type` from 'playtree' and the JSDoc-typed
 * examples compile with the project's tsc (strict, checkJs); a file breaking the interfaces does not.
 */
async function checkPluginTypes(installed: string, project: string): Promise<void> {
  await pluginProject(installed, project);
  await writeFile(join(project, 'typed.ts'), TYPED_PLUGINS);
  await writeFile(join(project, 'wrong.ts'), WRONG_PLUGINS);
  const compiled = await run(join(REPO, 'node_modules/.bin/tsc'), ['-p', project], { cwd: project }).then(
    () => ({ code: 0, stdout: '' }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );
  assert.notEqual(compiled.code, 0, 'tsc rejects wrong.ts');
  const reported = compiled.stdout.split('\n').filter((line) => / error TS\d+:/.test(line));
  const elsewhere = reported.filter((line) => !line.startsWith('wrong.ts('));
  assert.deepEqual(elsewhere, [], 'typed.ts and the examples compile against the installed types');
  const expected = WRONG_PLUGINS.split('\n').flatMap((line, index) => (line.endsWith('// error') ? [index + 1] : []));
  const lines = [...new Set(reported.map((line) => Number(/^wrong\.ts\((\d+),/.exec(line)![1])))];
  assert.deepEqual(lines, expected, compiled.stdout);
}

/** The example library module runs from a library/ folder beside a playbook: changed, then unchanged. */
async function runExampleModule(playtree: string, root: string, env: NodeJS.ProcessEnv): Promise<void> {
  await mkdir(join(root, 'library'));
  await copyFile(join(EXAMPLES, 'library/hostname_file.js'), join(root, 'library/hostname_file.js'));
  const task = '    - hostname_file: { name: builder, path: "{{ playbook_dir }}/hostname" }\n';
  await writeFile(join(root, 'hostname.yml'), `- hosts: all\n  gather_facts: false\n  tasks:\n${task}${task}`);
  const play = await run(playtree, ['-i', 'localhost,', '-c', 'local', 'hostname.yml'], { cwd: root, env: { ...env, PLAYTREE_NO_LIVE: '1' } });
  assert.match(play.stdout, /localhost\s+: ok=2 +changed=1 /, play.stdout);
  assert.equal(await readFile(join(root, 'hostname'), 'utf8'), 'builder\n');
}
