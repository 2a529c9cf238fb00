import { ModuleError } from '../src/core/errors.js';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';

/**
 * community.general.alternatives: name, path, link, priority, state (selected, present, auto, absent),
 * subcommands (slaves). Reads `update-alternatives --query` in the target and runs the tree's own
 * update-alternatives (--install, --set, --auto, --remove) with the same decisions as Ansible; msg and diff
 * ({state, path, priority, link}) as Ansible's.
 */
export const alternativesModule: ModuleDefinition = {
  name: 'alternatives',
  args: {
    name: { type: 'str', required: true },
    path: { type: 'path', required: true },
    link: { type: 'path' },
    priority: { type: 'int' },
    state: { type: 'str', default: 'selected', choices: ['present', 'selected', 'auto', 'absent'] },
    subcommands: { type: 'list', elements: 'dict', aliases: ['slaves'] },
  },
  run: runAlternatives,
};

interface Subcommand {
  name: string;
  path: string;
  link?: string | undefined;
}

export interface AlternativeGroup {
  mode?: string | undefined;
  value?: string | undefined;
  link?: string | undefined;
  alternatives: Map<string, { priority: number; subcommands: Subcommand[] }>;
}

/** `update-alternatives --query NAME` output: the group's link, status and value, and each alternative. */
export function parseQuery(output: string): AlternativeGroup {
  const group: AlternativeGroup = { alternatives: new Map() };
  const slaveLinks = new Map<string, string>();
  const [header = '', ...blocks] = output.split(/\n\s*\n/);
  const fields = (block: string) => {
    const found = new Map<string, string>();
    const slaves: [string, string][] = [];
    let inSlaves = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(' ') && inSlaves) {
        const [name = '', ...rest] = line.trim().split(' ');
        slaves.push([name, rest.join(' ')]);
        continue;
      }
      const at = line.indexOf(':');
      if (at < 0) continue;
      inSlaves = line.slice(0, at) === 'Slaves';
      found.set(line.slice(0, at), line.slice(at + 1).trim());
    }
    return { found, slaves };
  };
  const top = fields(header);
  Object.assign(group, { mode: top.found.get('Status'), value: top.found.get('Value'), link: top.found.get('Link') });
  for (const [name, link] of top.slaves) slaveLinks.set(name, link);
  for (const block of blocks) {
    const { found, slaves } = fields(block);
    const path = found.get('Alternative');
    if (!path) continue;
    group.alternatives.set(path, {
      priority: Number(found.get('Priority')),
      subcommands: slaves.map(([name, slavePath]) => ({ name, path: slavePath, link: slaveLinks.get(name) })),
    });
  }
  if (group.value === 'none') group.value = undefined;
  return group;
}

const sameSubcommands = (x: readonly Subcommand[], y: readonly Subcommand[]) => {
  const key = (s: Subcommand) => `${s.name}\0${s.path}\0${s.link ?? ''}`;
  const ys = new Set(y.map(key));
  return x.length === y.length && x.every((s) => ys.has(key(s)));
};

async function runAlternatives(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const name = a['name'] as string;
  const path = a['path'] as string;
  const state = a['state'] as string;
  const read = await ctx.target.exec(
    `command -v update-alternatives >/dev/null || exit 127; LC_ALL=C update-alternatives --query ${shellQuote(name)} 2>/dev/null; printf '\\0'; [ -e ${shellQuote(path)} ] && printf 1 || printf 0`,
  );
  if (read.rc === 127) throw new ModuleError('update-alternatives is missing in the target: install dpkg');
  const output = read.stdout.toString();
  const group = parseQuery(output.slice(0, output.lastIndexOf('\0')));
  const pathExists = output.endsWith('1');
  const current = group.alternatives.get(path);
  const givenSubcommands = a['subcommands'] as Subcommand[] | undefined;
  const priority = (a['priority'] as number | undefined) ?? current?.priority ?? 50;
  const link = (a['link'] as string | undefined) ?? group.link;
  const subcommands = givenSubcommands ?? current?.subcommands ?? [];
  const commands: string[][] = [];
  const messages: string[] = [];
  const before: Record<string, unknown> = current
    ? { state: group.mode === 'manual' && group.value !== path ? 'selected' : 'present', path, priority: current.priority, link: group.link }
    : { state: 'absent' };
  const after: Record<string, unknown> = {};
  if (state === 'absent') {
    if (current) {
      commands.push(['update-alternatives', '--remove', name, path]);
      messages.push(`Remove alternative '${path}' from '${name}'.`);
      after['state'] = 'absent';
    }
  } else {
    const install = !current || (a['priority'] !== undefined && current.priority !== priority) || (givenSubcommands !== undefined && !sameSubcommands(givenSubcommands, current.subcommands));
    if (install) {
      if (!pathExists) throw new ModuleError(`Specified path ${path} does not exist`);
      if (!link) throw new ModuleError('Needed to install the alternative, but unable to do so as we are missing the link');
      commands.push(['update-alternatives', '--install', link, name, path, String(priority), ...subcommands.flatMap((s) => ['--slave', s.link ?? '', s.name, s.path])]);
      messages.push(`Install alternative '${path}' for '${name}'.`);
      Object.assign(after, { state: 'present', path, priority, link });
    }
    if (state === 'selected' && group.value !== path) {
      commands.push(['update-alternatives', '--set', name, path]);
      messages.push(`Set alternative '${path}' for '${name}'.`);
      after['state'] = 'selected';
    }
    if (state === 'auto' && group.mode === 'manual') {
      commands.push(['update-alternatives', '--auto', name]);
      messages.push(`Set alternative to auto for '${name}'.`);
      after['state'] = 'present';
    }
  }
  const result: ModuleResult = { changed: commands.length > 0, msg: messages.join(' '), ...(ctx.diff ? { diff: { before, after } } : {}) };
  if (!commands.length || ctx.check) return result;
  const run = await ctx.target.exec(commands.map((argv) => shellJoin(argv)).join(' && '));
  if (run.rc !== 0) return { ...result, failed: true, rc: run.rc, msg: run.stderr.toString().trim(), stdout: run.stdout.toString() };
  return result;
}
