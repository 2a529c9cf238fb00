import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/*
 * The shape of the house, read from the TypeScript sources (type-only imports count: a reader follows them
 * too). Layers, bottom to top; a file may import its own layer and the ones below, never one above:
 *
 *   src/core      errors, shell quoting and traps, Python values and regexes, YAML with positions, ansible.cfg
 *   src/inventory hosts, groups and their variables
 *   lookups       the lookup plugins and their catalog (a plugin gets what it renders through its context)
 *   src/template  Jinja2 on nunjucks; it builds the lookups' context and calls the catalog
 *   src/playbook  plays, blocks, tasks and roles as data
 *   connections   how bytes reach the target
 *   modules       what must change on the target
 *   src/engine    data and scopes, then the step runner, then meta/handlers/includes, then play and playbook
 *   src/output    the renderers, subscribed to the engine's events
 *   src/cli       the command line
 *
 * Static imports (`import ... from`, `export ... from`, `import type`, a type's `import('...')`) must form no
 * cycle. A lazy load (`await import('./x.js')`, the lookup catalog's `load('./x.js')`) is left out of the
 * cycle check: it runs after both files are loaded, and loading one file of a folder on first use is what
 * the catalogs (modules/index.ts, lookups/index.ts) and the lazy renderers are for. It must still point to
 * its own layer or below.
 */
const LAYERS = ['src/core', 'src/inventory', 'lookups', 'src/template', 'src/playbook', 'connections', 'modules', 'src/engine', 'src/output', 'src/cli'];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Edge {
  from: string;
  to: string;
  lazy: boolean;
}

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts')) files.push(relative(ROOT, path));
    }
  };
  for (const top of ['src', 'connections', 'modules', 'lookups']) walk(join(ROOT, top));
  return files;
}

const STATIC = /(?:^|[\s;])(?:import|export)\s(?:[^;'"]*?\sfrom\s)?'(\.[^']+\.js)'/g;
const TYPE_IMPORT = /(?<!await )\bimport\('(\.[^']+\.js)'\)\./g;
const LAZY = /(?:await import|\bload)\('(\.[^']+\.js)'\)/g;

function importsOf(file: string): Edge[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const target = (spec: string) => relative(ROOT, resolve(ROOT, dirname(file), spec.replace(/\.js$/, '.ts')));
  const edges: Edge[] = [];
  for (const match of text.matchAll(STATIC)) edges.push({ from: file, to: target(match[1]!), lazy: false });
  for (const match of text.matchAll(TYPE_IMPORT)) edges.push({ from: file, to: target(match[1]!), lazy: false });
  for (const match of text.matchAll(LAZY)) edges.push({ from: file, to: target(match[1]!), lazy: true });
  return edges;
}

function layerOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'src' ? `src/${parts[1]}` : parts[0]!;
}

const files = sourceFiles();
const edges = files.flatMap(importsOf);

/** Groups of files that import each other round in a circle (Tarjan's strongly connected components). */
function importCycles(): string[][] {
  const next = new Map<string, string[]>(files.map((file) => [file, []]));
  for (const edge of edges) if (!edge.lazy) next.get(edge.from)!.push(edge.to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    for (const to of next.get(file) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (stack.includes(to)) low.set(file, Math.min(low.get(file)!, index.get(to)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      group.push(member);
    } while (member !== file);
    if (group.length > 1 || next.get(file)!.includes(file)) cycles.push(group.sort());
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return cycles;
}

test('the source files are found and every relative import names an existing file', () => {
  assert.ok(files.length > 200, `only ${files.length} source files found under ${ROOT}`);
  const known = new Set(files);
  assert.deepEqual(edges.filter((edge) => !known.has(edge.to)).map((edge) => `${edge.from} -> ${edge.to}`), []);
});

test('no static import cycle exists between source files', () => {
  assert.deepEqual(importCycles(), []);
});

test('src/core imports nothing outside src/core', () => {
  const outside = edges.filter((edge) => layerOf(edge.from) === 'src/core' && layerOf(edge.to) !== 'src/core');
  assert.deepEqual(outside.map((edge) => `${edge.from} -> ${edge.to}`), []);
});

test('every folder belongs to a layer and imports only its own layer and those below', () => {
  assert.deepEqual([...new Set(files.map(layerOf))].filter((layer) => !LAYERS.includes(layer)), []);
  const upward = edges.filter((edge) => LAYERS.indexOf(layerOf(edge.to)) > LAYERS.indexOf(layerOf(edge.from)));
  assert.deepEqual(upward.map((edge) => `${edge.from} -> ${edge.to}${edge.lazy ? ' (lazy)' : ''}`), []);
});

/** A file a newcomer reads in one sitting; past this it wants splitting by what its parts do. */
const MOST_LINES = 300;

test(`no source file is longer than ${MOST_LINES} lines`, () => {
  const long = files
    .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length - 1 }))
    .filter(({ lines }) => lines > MOST_LINES);
  assert.deepEqual(long.map(({ file, lines }) => `${file}: ${lines} lines`), []);
});
