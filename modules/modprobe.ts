import { ModuleError } from '../src/core/errors.js';
import { shellQuote } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';

/**
 * community.general.modprobe, for an image: name, state, params, persistent. Only the boot-time files are
 * managed, as Ansible's `persistent` does: `present` writes /etc/modules-load.d/NAME.conf and (params)
 * /etc/modprobe.d/NAME.conf, commenting out other `options NAME ...` lines; `absent` comments out the module's
 * lines in both folders. Differs: nothing is loaded or unloaded (a tree shares the controller's kernel), so
 * `state` changes nothing and `persistent: disabled` (the default) does nothing, with a warning saying so.
 */
export const modprobeModule: ModuleDefinition = {
  name: 'modprobe',
  args: {
    name: { type: 'str', required: true },
    state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
    params: { type: 'str', default: '' },
    persistent: { type: 'str', default: 'disabled', choices: ['disabled', 'present', 'absent'] },
  },
  run: runModprobe,
};

const LOAD_DIR = '/etc/modules-load.d';
const OPTIONS_DIR = '/etc/modprobe.d';

export interface ConfigFile {
  path: string;
  text: string;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The files to write so that the module loads (or not) at boot with these params; empty when all is so. */
export function persistentChanges(files: readonly ConfigFile[], name: string, params: string, present: boolean): ConfigFile[] {
  const moduleLine = new RegExp(`^ *${escapeRegex(name)} *(?:[#;].*)?\\n?$`);
  const optionLine = new RegExp(`^options ${escapeRegex(name)} (\\w+=\\S+) *(?:[#;].*)?\\n?$`);
  const linesOf = (file: ConfigFile) => file.text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const loadFiles = files.filter((file) => file.path.startsWith(`${LOAD_DIR}/`));
  const optionFiles = files.filter((file) => file.path.startsWith(`${OPTIONS_DIR}/`));
  const loaded = loadFiles.some((file) => linesOf(file).some((line) => moduleLine.test(line)));
  const current = new Set(optionFiles.flatMap((file) => linesOf(file).map((line) => optionLine.exec(line)?.[1]).filter((p): p is string => p !== undefined)));
  const wanted = new Set(params.split(/\s+/).filter((p) => p !== ''));
  const sameParams = current.size === wanted.size && [...wanted].every((p) => current.has(p));
  const commentOut = (group: ConfigFile[], pattern: RegExp) =>
    group.flatMap((file) => {
      const lines = linesOf(file);
      return lines.some((line) => pattern.test(line)) ? [{ path: file.path, text: lines.map((line) => (pattern.test(line) ? `#${line}` : line)).join('') }] : [];
    });
  const changes: ConfigFile[] = [];
  if (present) {
    if (!loaded) changes.push({ path: `${LOAD_DIR}/${name}.conf`, text: `${name}\n` });
    if (!sameParams) {
      const own = `${OPTIONS_DIR}/${name}.conf`;
      changes.push(...commentOut(optionFiles, optionLine).filter((file) => file.path !== own));
      changes.push({ path: own, text: `${[...wanted].map((p) => `options ${name} ${p}`).join('\n')}\n` });
    }
  } else {
    if (loaded) changes.push(...commentOut(loadFiles, moduleLine));
    if (current.size) changes.push(...commentOut(optionFiles, optionLine));
  }
  return changes;
}

/** Every regular file in the two folders, with its text, in one command. */
async function readConfigFiles(ctx: ModuleContext): Promise<ConfigFile[]> {
  const run = await ctx.target.exec(`for f in ${LOAD_DIR}/* ${OPTIONS_DIR}/*; do [ -f "$f" ] || continue; printf '%s\\0' "$f"; cat -- "$f"; printf '\\0'; done`);
  if (run.rc !== 0) throw new ModuleError(`could not read ${LOAD_DIR} and ${OPTIONS_DIR}: ${run.stderr.toString().trim()}`);
  const parts = run.stdout.toString().split('\0');
  const files: ConfigFile[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) files.push({ path: parts[i]!, text: parts[i + 1]! });
  return files;
}

async function runModprobe(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const name = a['name'] as string;
  const persistent = a['persistent'] as string;
  const result: ModuleResult = { changed: false, name, params: a['params'], state: a['state'] };
  if (persistent === 'disabled') {
    return { ...result, warnings: [`modprobe: nothing loaded or unloaded in a tree; give persistent: present (or absent) to write the boot-time files for ${name}`] };
  }
  const changes = persistentChanges(await readConfigFiles(ctx), name, a['params'] as string, persistent === 'present');
  if (!changes.length || ctx.check) return { ...result, changed: changes.length > 0 };
  // Written in place: the files keep their owner and mode; a new one gets the usual 0644.
  const script = ['umask 022', ...changes.map((file) => `mkdir -p -- ${shellQuote(file.path.replace(/\/[^/]*$/, ''))} && printf '%s' ${shellQuote(file.text)} > ${shellQuote(file.path)} || exit 1`)].join('\n');
  const run = await ctx.target.exec(script);
  if (run.rc !== 0) return { ...result, failed: true, msg: run.stderr.toString().trim() };
  return { ...result, changed: true };
}
