// Bundles the command line for bin/playtree.js: `npm run build` runs tsc (dist/ for the tests and types),
// then this script, which writes dist/bundle/ with esbuild from the TypeScript sources.
//
// A run loads playtree.js and the few chunks a playbook needs: every `await import('./x.js')` (modules,
// renderers, runCommand...) is a chunk of its own, loaded on first use, and the dependencies (yaml, nunjucks'
// internals...) are bundled in, so Node resolves and reads a handful of files instead of ~200.
//
// Files loaded by their path at run time become entry points of their own, named after the file, at the
// bundle's top beside the chunks, so that the same relative path finds them from any chunk:
// - the synchronous lazy loads `load('./x.js')`, where `const load = createRequire(import.meta.url)` (the
//   lookup catalog, the connection drivers, password_hash, the Jinja2 machinery: Node's require() of an ES
//   module);
// - the `new URL('./x.js', import.meta.url)` of a worker thread (lookups/url.ts).
// Two such files with the same name would overwrite each other: the build stops and says so.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// `node scripts/bundle.mjs FOLDER` writes elsewhere (to compare two builds side by side).
const OUT = resolve(process.argv[2] ?? join(ROOT, 'dist/bundle'));
const SOURCE_FOLDERS = ['src', 'connections', 'lookups', 'modules'];

const SYNC_LOADER = /\bconst (\w+) = createRequire\(import\.meta\.url\)(?!\()/g;
const WORKER_URL = /new URL\('([^']+)', import\.meta\.url\)/g;
/** What the bundle can serve by path: a file of the same folder. */
const SAME_FOLDER_FILE = /^\.\/[^/]+\.js$/;

function sourceFiles(folder) {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Entry name → TypeScript file, for every file some source loads by its path at run time. */
function runtimeLoadedFiles() {
  const entries = {};
  for (const file of SOURCE_FOLDERS.flatMap((folder) => sourceFiles(join(ROOT, folder)))) {
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(WORKER_URL)].map((match) => match[1]);
    if (text.split('createRequire(import.meta.url)').length - 1 !== [...text.matchAll(SYNC_LOADER)].length) {
      throw new Error(`bundle: ${relative(ROOT, file)} uses createRequire other than as \`const load = createRequire(import.meta.url)\`: the bundle cannot see what it loads`);
    }
    for (const [, loader] of text.matchAll(SYNC_LOADER)) {
      specifiers.push(...[...text.matchAll(new RegExp(`\\b${loader}\\('([^']+)'\\)`, 'g'))].map((match) => match[1]));
    }
    for (const specifier of specifiers) {
      if (!SAME_FOLDER_FILE.test(specifier)) {
        throw new Error(`bundle: ${relative(ROOT, file)} loads '${specifier}' by path: only a file of its own folder ('./name.js') can be one of the bundle's entry points`);
      }
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      const name = basename(specifier, '.js');
      if (entries[name] !== undefined && entries[name] !== target) {
        throw new Error(`bundle: ${relative(ROOT, entries[name])} and ${relative(ROOT, target)} would both be dist/bundle/${name}.js; rename one`);
      }
      entries[name] = target;
    }
  }
  return entries;
}

/**
 * The CommonJS dependencies bundled in (yaml, nunjucks, execa's helpers) require() Node's own modules, which an
 * ES module bundle has no require() for: each such require() gets the module from process.getBuiltinModule().
 */
const builtinsForRequire = {
  name: 'builtins-for-require',
  setup(bundler) {
    bundler.onResolve({ filter: /^[\w:/]+$/ }, (args) =>
      args.kind === 'require-call' && isBuiltin(args.path) ? { path: args.path, namespace: 'node-builtin' } : undefined,
    );
    bundler.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      contents: `module.exports = process.getBuiltinModule(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const entryPoints = { playtree: join(ROOT, 'src/cli/main.ts'), ...runtimeLoadedFiles() };

rmSync(OUT, { recursive: true, force: true });
const result = await build({
  entryPoints,
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Not minified: it made no difference to start-up (side by side, CPU time), and an internal error's stack
  // trace (-vvvv) then points at readable lines, each file's part headed by its source's name.
  sourcemap: 'linked',
  sourcesContent: false,
  chunkNames: '[name]-[hash]',
  define: { PLAYTREE_VERSION: JSON.stringify(packageJson.version) },
  plugins: [builtinsForRequire],
  logLevel: 'warning',
  metafile: true,
});
// esbuild's stand-in for a require() it could not resolve throws "Dynamic require of ..." at run time.
const dynamicRequires = Object.keys(result.metafile.outputs).filter((file) => readFileSync(file, 'utf8').includes('Dynamic require of'));
if (dynamicRequires.length > 0) throw new Error(`bundle: ${dynamicRequires.join(', ')} still require() at run time: see builtinsForRequire`);
// Which sources each output file holds (esbuild's metafile: its online analyzer reads it), beside the bundle.
writeFileSync(`${OUT}-meta.json`, JSON.stringify(result.metafile));
