import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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

test('npm pack holds the launcher and the bundle only; installed with npm install -g, playtree runs a play and --version', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'playtree-package-'));
  try {
    const env = npmEnvironment();
    // --ignore-scripts: prepack would rebuild dist/ under the tests that are running from it (npm test built it).
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', root], { cwd: REPO, env });
    const [pack] = JSON.parse(stdout) as PackResult[];
    const paths = pack!.files.map((file) => file.path);
    t.diagnostic(`${pack!.filename}: ${(pack!.size / 1024).toFixed(0)} KB packed, ${(pack!.unpackedSize / 1024).toFixed(0)} KB unpacked, ${paths.length} files`);
    for (const needed of ['bin/playtree.js', 'dist/bundle/playtree.js', 'dist/bundle/urlFetchWorker.js', 'README.md', 'package.json']) {
      assert.ok(paths.includes(needed), `${needed} is missing from the package`);
    }
    const unwanted = paths.filter((path) => path.endsWith('.ts') || path.endsWith('.map') || /^(test|src|dist\/(src|test))\//.test(path));
    assert.deepEqual(unwanted, [], 'no tests, TypeScript sources, tsc output nor source maps in the package');

    const prefix = join(root, 'prefix');
    await run('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(root, pack!.filename)], { cwd: root, env });
    const playtree = join(prefix, 'bin/playtree');
    const version = await run(playtree, ['--version'], { cwd: root });
    assert.match(version.stdout, /^playtree \d+\.\d+\.\d+\n/);

    await writeFile(join(root, 'play.yml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: { msg: "installed {{ 1 + 1 }}" }\n');
    const play = await run(playtree, ['-i', 'localhost,', '-c', 'local', 'play.yml'], { cwd: root, env: { ...env, PLAYTREE_NO_LIVE: '1' } });
    assert.match(play.stdout, /"msg": "installed 2"/);
    assert.match(play.stdout, /localhost\s+: ok=1 /);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
