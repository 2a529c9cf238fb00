import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { loadManifest, type Item, type Manifest } from './manifest.js';
import { describe, finalProblem, firstDifference, recapOf, type Outcome } from './outcome.js';
import { checkout } from './sources.js';
import { copyCorpusTree } from './trees.js';

/*
 * npm run compat [-- --only NAME,NAME] [--no-ansible] [--rerun-ansible]
 *
 * Runs every item of compat/manifest.yml against a fresh copy of the Debian test tree (with the tools of a
 * test host: trees.ts): with playtree through nspawn, and, when ansible-playbook is installed, with ansible through
 * its chroot connection on a copy with python3 (the oracle; its results are cached per item, pinned commit
 * and ansible version).
 * Prints a table (item, ansible, playtree, first difference) and the pass fraction.
 * Sources are cloned into $PLAYTREE_COMPAT_CACHE (default /var/cache/playtree/compat), never into the repo.
 */

const exec = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PLAYTREE = join(REPO, 'bin/playtree.js');
const TREE_SCRIPT = join(REPO, 'scripts/test-tree.sh');
const CACHE = process.env['PLAYTREE_COMPAT_CACHE'] ?? '/var/cache/playtree/compat';
const HOST = 'testhost';
const TIMEOUT_MS = 15 * 60 * 1000;
/** Bump when the way items are run changes: cached ansible results of an older harness are not reused. */
const HARNESS_VERSION = 4;

type Tool = 'ansible' | 'playtree';

interface Options {
  only?: Set<string>;
  ansible: boolean;
  rerunAnsible: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { ansible: true, rerunAnsible: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--only') options.only = new Set(String(argv[++i] ?? '').split(',').map((s) => s.trim()));
    else if (arg === '--no-ansible') options.ansible = false;
    else if (arg === '--rerun-ansible') options.rerunAnsible = true;
    else throw new Error(`compat: unknown option ${arg} (use --only NAME,NAME, --no-ansible, --rerun-ansible)`);
  }
  return options;
}

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '-');
}

/**
 * The inventory line of the item's host: the tree through nspawn for playtree, through chroot for ansible,
 * both with the interpreter line nspawn-plugin users wrote (playtree accepts and ignores it).
 */
function inventoryLine(tool: Tool, tree: string): string {
  const connection = tool === 'playtree' ? 'nspawn' : 'community.general.chroot';
  return `${HOST} ansible_host=${tree} ansible_connection=${connection} ansible_python_interpreter=/usr/bin/python3`;
}

/** Lay out RUN for one tool: ansible.cfg, inventory, the play (or the source's playbook folder); returns argv. */
async function prepare(item: Item, manifest: Manifest, sourceDir: string, tool: Tool, dir: string): Promise<{ argv: string[] }> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'output'), { recursive: true });
  const extra = { output_dir: join(dir, 'output'), ...item.extraVars };
  const argv = ['-e', JSON.stringify(extra)];
  const cfg = ['[defaults]', 'host_key_checking = False', 'retry_files_enabled = False'];
  if (!item.inventory) {
    const tree = join(dir, 'tree');
    await copyCorpusTree(TREE_SCRIPT, CACHE, tool, tree);
    // output_dir is one folder for the tree and the controller, as ansible-test's is for a local test
    // host: targets write files there with modules and read them back with lookups.
    await mkdir(join(tree, dir, 'output'), { recursive: true });
    await exec('mount', ['--bind', join(dir, 'output'), join(tree, dir, 'output')]);
    await writeFile(join(dir, 'hosts.ini'), `[nspawn]\n${inventoryLine(tool, tree)}\n`);
  }
  if (item.role) {
    const roleDir = join(sourceDir, item.role);
    const source = manifest.sources.get(item.source)!;
    const roleName = item.role === '.' ? `${source.repo.split('/')[0]}.${source.repo.split('/')[1]!.replace(/^ansible-role-/, '')}` : basename(roleDir);
    await mkdir(join(dir, 'roles'));
    await symlink(roleDir, join(dir, 'roles', roleName));
    cfg.push(`roles_path = ${join(dir, 'roles')}:${dirname(roleDir)}`);
    const play = [{ name: `compat ${item.name}`, hosts: 'nspawn', ...(item.vars ? { vars: item.vars } : {}), roles: [{ role: roleName }] }];
    await writeFile(join(dir, 'play.yml'), stringify(play));
    argv.push('-i', join(dir, 'hosts.ini'), join(dir, 'play.yml'));
  } else {
    const playbook = join(sourceDir, item.playbook!);
    await cp(dirname(playbook), join(dir, 'work'), { recursive: true });
    argv.push('-i', item.inventory ? join(dir, 'work', item.inventory) : join(dir, 'hosts.ini'), join(dir, 'work', basename(playbook)));
  }
  await writeFile(join(dir, 'ansible.cfg'), `${cfg.join('\n')}\n`);
  return { argv };
}

/** Run one tool from `cwd` with RUN's ansible.cfg, killing its whole process group past the time limit. */
function runTool(tool: Tool, argv: string[], dir: string, cwd: string, env: Record<string, string>): Promise<{ exitCode: number; output: string }> {
  const [command, args] = tool === 'playtree' ? [process.execPath, [PLAYTREE, ...argv]] : ['ansible-playbook', argv];
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), OUTPUT_DIR: join(dir, 'output'), ...env },
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      if (output.length < 8 * 1024 * 1024) output += chunk.toString();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      output += `\n[compat] killed after ${TIMEOUT_MS / 60000} minutes\n`;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
    }, TIMEOUT_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? 1, output });
    });
  });
}

/**
 * Run one item with one tool in its own folder (RUN.<pid>, so that runs of the same item by two processes
 * never meet), then keep it as runs/<tool>/<item>; the tree copy is unmounted and removed whatever happens.
 */
async function runItem(item: Item, manifest: Manifest, sourceDir: string, tool: Tool): Promise<Outcome> {
  const kept = join(CACHE, 'runs', tool, slug(item.name));
  const dir = `${kept}.${process.pid}`;
  try {
    const { argv } = await prepare(item, manifest, sourceDir, tool, dir);
    const cwd = item.playbook ? join(dir, 'work') : dir;
    const { exitCode, output } = await runTool(tool, argv, dir, cwd, item.env ?? {});
    await writeFile(join(dir, 'output.txt'), output);
    const recap = recapOf(output);
    const problem = finalProblem(output);
    return { exitCode, ...(recap ? { recap } : {}), ...(problem ? { problem } : {}) };
  } finally {
    const tree = join(dir, 'tree');
    // Unmount before removing: rm would otherwise empty the controller's side of output_dir through the mount.
    await exec('umount', [join(tree, dir, 'output')]).catch(() => undefined);
    await rm(tree, { recursive: true, force: true });
    await rm(kept, { recursive: true, force: true });
    await rename(dir, kept).catch(() => undefined);
  }
}

/** An item the harness itself could not run (a tree copy failed, say): a row of its own, the others go on. */
function harnessFailure(error: unknown): Outcome {
  return { exitCode: -1, problem: `compat could not run it: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
}

function ansibleVersion(): string | undefined {
  const result = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.split('\n')[0] : undefined;
}

/** ansible's outcome for an item, from the cache when the same item, commit and ansible version ran before. */
async function oracle(item: Item, manifest: Manifest, sourceDir: string, version: string, options: Options): Promise<Outcome> {
  const key = createHash('sha256').update(JSON.stringify([HARNESS_VERSION, item, manifest.sources.get(item.source)!.commit, version])).digest('hex').slice(0, 16);
  const file = join(CACHE, 'results', 'ansible', `${slug(item.name)}-${key}.json`);
  if (!options.rerunAnsible && existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as Outcome;
  const outcome = await runItem(item, manifest, sourceDir, 'ansible');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(outcome));
  return outcome;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const manifest = await loadManifest(join(REPO, 'compat/manifest.yml'));
  const items = manifest.items.filter((item) => !options.only || options.only.has(item.name));
  const version = options.ansible ? ansibleVersion() : undefined;
  if (options.ansible && !version) process.stderr.write('compat: ansible-playbook is not installed: playtree results only\n');
  const rows: string[][] = [];
  let oracleClean = 0;
  let finished = 0;
  let same = 0;
  for (const item of items) {
    const sourceDir = await checkout(manifest.sources.get(item.source)!, CACHE);
    const theirs = version ? await oracle(item, manifest, sourceDir, version, options).catch(harnessFailure) : undefined;
    const ours = await runItem(item, manifest, sourceDir, 'playtree').catch(harnessFailure);
    const difference = firstDifference(theirs, ours);
    if (theirs?.exitCode === 0) {
      oracleClean++;
      if (ours.exitCode === 0) finished++;
      if (ours.exitCode === 0 && difference === '') same++;
    }
    rows.push([item.name, describe(theirs), describe(ours), difference.replace(/\|/g, '\\|')]);
    process.stderr.write(`compat: ${item.name}: ansible ${describe(theirs)}; playtree ${describe(ours)}\n`);
  }
  const lines = ['| item | ansible-playbook | playtree | first difference |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)];
  process.stdout.write(`${lines.join('\n')}\n\n`);
  if (version) {
    process.stdout.write(`ansible-playbook finished ${oracleClean} of ${items.length} items cleanly (${version}).\n`);
    process.stdout.write(`playtree finished ${finished} of those ${oracleClean}; ${same} with the same recap.\n`);
  }
  process.stdout.write(`playtree finished ${rows.filter((r) => r[2]!.startsWith('clean')).length} of ${items.length} items.\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`compat: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
