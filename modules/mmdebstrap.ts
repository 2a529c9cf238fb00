import { randomBytes } from 'node:crypto';
import { ModuleError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';

/**
 * playtree's own `mmdebstrap` module: makes a Debian-family OS tree with mmdebstrap when `dest` is not one
 * yet, and reports ok when it is (it has etc/os-release or usr/lib/os-release). Meant for a first play with
 * `hosts: localhost` (the local connection), so that the next play can configure the tree through nspawn.
 * Arguments: suite (required), dest (alias target), variant, packages (--include), components,
 * architecture, mirrors (none: mmdebstrap uses the machine's apt sources), extra_args.
 * The tree is built in a temporary folder beside `dest` and renamed into place: an interrupted or failed
 * build never leaves a half tree at `dest`. An existing non-empty `dest` that is not an OS tree is an error.
 */
const PROBE = [
  'dest=$1',
  'if [ -e "$dest/etc/os-release" ] || [ -e "$dest/usr/lib/os-release" ]; then echo tree',
  'elif [ -d "$dest" ] && [ -z "$(ls -A "$dest")" ]; then echo empty',
  'elif [ -e "$dest" ]; then echo other',
  'else echo absent; fi',
  'command -v mmdebstrap >/dev/null 2>&1 && echo have-mmdebstrap || echo no-mmdebstrap',
].join('\n');

/** Arguments: dest, the temporary folder, then mmdebstrap's argv (which names "$work/tree" as its target). */
const BUILD = [
  'set -e',
  'dest=$1; work=$2; shift 2',
  'mkdir -p "$work"',
  `trap 'rm -rf "$work"' EXIT`,
  'mmdebstrap "$@"',
  'if [ -d "$dest" ]; then rmdir "$dest"; fi',
  'mv -T "$work/tree" "$dest"',
].join('\n');

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const dest = (ctx.args['dest'] as string).replace(/\/+$/, '') || '/';
  if (dest === '/') throw new ModuleError('dest must be a folder for the new tree, not /');
  const probe = await ctx.target.exec(['sh', '-c', PROBE, 'sh', dest]);
  const [state, tool] = probe.stdout.toString().trim().split('\n');
  const result: ModuleResult = { changed: false, dest };
  if (state === 'tree') return { ...result, msg: `${dest} is already an OS tree` };
  if (state === 'other') {
    return { ...result, failed: true, msg: `${dest} exists and is not an OS tree (no etc/os-release); remove it or choose another dest` };
  }
  // mmdebstrap wants an empty or absent target: a folder inside a temporary one beside dest.
  const work = `${dest.replace(/\/[^/]*$/, '') || '/'}/.playtree-mmdebstrap-${randomBytes(4).toString('hex')}`;
  const argv = mmdebstrapArgs(ctx.args, `${work}/tree`);
  if (ctx.check) return { ...result, changed: true, msg: `would run: mmdebstrap ${shellJoin(mmdebstrapArgs(ctx.args, dest))}` };
  if (tool !== 'have-mmdebstrap') {
    return { ...result, failed: true, msg: 'mmdebstrap is not installed on the controller; install the Debian package mmdebstrap (apt-get install mmdebstrap)' };
  }
  const build = await ctx.target.exec(['sh', '-c', BUILD, 'sh', dest, work, ...argv]);
  const stderr = build.stderr.toString();
  const done = { ...result, cmd: ['mmdebstrap', ...mmdebstrapArgs(ctx.args, dest)], rc: build.rc, stdout: build.stdout.toString(), stderr };
  if (build.rc !== 0) return { ...done, failed: true, msg: `mmdebstrap failed (rc ${build.rc}): ${lastLine(stderr)}` };
  return { ...done, changed: true, msg: `created ${ctx.args['suite']} tree at ${dest}` };
}

/** mmdebstrap's argv from the module's arguments: options, suite, target, mirrors (its order). */
export function mmdebstrapArgs(args: Record<string, unknown>, target: string): string[] {
  const argv: string[] = [];
  if (args['variant']) argv.push(`--variant=${args['variant']}`);
  const packages = args['packages'] as string[];
  if (packages.length) argv.push(`--include=${packages.join(',')}`);
  const components = args['components'] as string[];
  if (components.length) argv.push(`--components=${components.join(',')}`);
  if (args['architecture']) argv.push(`--architectures=${args['architecture']}`);
  argv.push(...(args['extra_args'] as string[]), String(args['suite']), target, ...(args['mirrors'] as string[]));
  return argv;
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? 'no message';
}

export const mmdebstrapModule: ModuleDefinition = {
  name: 'mmdebstrap',
  args: {
    suite: { type: 'str', required: true },
    dest: { type: 'path', required: true, aliases: ['target', 'path'] },
    variant: { type: 'str', choices: ['extract', 'custom', 'essential', 'apt', 'required', 'minbase', 'buildd', 'important', 'debootstrap', 'standard'] },
    packages: { type: 'list', elements: 'str', default: [] },
    components: { type: 'list', elements: 'str', default: [] },
    architecture: { type: 'str' },
    mirrors: { type: 'list', elements: 'str', default: [] },
    extra_args: { type: 'list', elements: 'str', default: [] },
  },
  run,
};
