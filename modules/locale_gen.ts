import { ModuleError } from '../src/core/errors.js';
import type { ModuleDefinition, ModuleResult } from './module.js';

/**
 * community.general.locale_gen (Debian's way): name (one locale or a list), state present/absent. A locale is
 * present when `locale -a` lists it, as the original judges; a change uncomments (or comments out) its line in
 * /etc/locale.gen, adding it from /usr/share/i18n/SUPPORTED when missing, then runs locale-gen, which rebuilds
 * the archive from that file. One command reads everything, one writes the file and runs locale-gen.
 * Needs the `locales` package in the target; fails saying so when locale-gen is missing.
 */

/** Sections separated by NUL: missing tools, `locale -a`, /etc/locale.gen, /usr/share/i18n/SUPPORTED. */
const READ_SCRIPT = `command -v locale-gen >/dev/null 2>&1 || echo locale-gen
[ -f /etc/locale.gen ] || echo /etc/locale.gen
printf '\\0'; locale -a 2>/dev/null; printf '\\0'; cat /etc/locale.gen 2>/dev/null
printf '\\0'; cat /usr/share/i18n/SUPPORTED 2>/dev/null; exit 0`;

export const localeGenModule: ModuleDefinition = {
  name: 'locale_gen',
  args: {
    name: { type: 'list', elements: 'str', required: true },
    state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
  },
  async run(ctx) {
    const names = ctx.args['name'] as string[];
    const present = ctx.args['state'] === 'present';
    if (!names.length) throw new ModuleError('name must name at least one locale, e.g. en_US.UTF-8');
    const read = await ctx.target.exec(READ_SCRIPT);
    const [missing = '', available = '', localeGen = '', supported = ''] = read.stdout.toString().split('\0');
    if (missing.trim() !== '') {
      throw new ModuleError(`${missing.trim().split('\n').join(' and ')} missing in the target: install the 'locales' package first (apt: name=locales)`);
    }
    const installed = new Set(available.split('\n').filter((l) => l !== '').map(normalizeLocale));
    const toChange = names.filter((n) => installed.has(normalizeLocale(n)) !== present);
    const result: ModuleResult = { changed: toChange.length > 0, name: names.length === 1 ? names[0] : names };
    if (!toChange.length) return result;
    let text = localeGen;
    for (const name of toChange) text = present ? enableLocale(text, name, supported) : disableLocale(text, name);
    if (ctx.check) return result;
    // locale-gen regenerates from the file (Debian's drops what is no longer listed): write, then run it once.
    const run = await ctx.target.exec('cat > /etc/locale.gen && locale-gen', { stdin: text });
    if (run.rc !== 0) {
      throw new ModuleError(`locale-gen failed (rc ${run.rc}): ${run.stderr.toString().trim()}`, { rc: run.rc, stdout: run.stdout.toString(), stderr: run.stderr.toString() });
    }
    return result;
  },
};

/** glibc's normalized form, as `locale -a` prints: codeset lower-cased without dashes (en_US.UTF-8 → en_US.utf8). */
export function normalizeLocale(name: string): string {
  const match = /^([^.@]*)(?:\.([^@]*))?(@.*)?$/.exec(name.trim());
  if (!match) return name;
  const codeset = match[2] === undefined ? '' : `.${match[2].toLowerCase().replace(/-/g, '')}`;
  return `${match[1]}${codeset}${match[3] ?? ''}`;
}

const firstWord = (line: string) => line.replace(/^#\s*/, '').trim().split(/\s+/)[0];

/**
 * /etc/locale.gen with `name`'s line uncommented; added from SUPPORTED's line when the file lacks it.
 * Throws when neither knows the locale. Pure.
 */
export function enableLocale(localeGen: string, name: string, supported: string): string {
  const lines = localeGen.split('\n');
  if (lines.some((l) => !l.startsWith('#') && firstWord(l) === name)) return localeGen;
  const index = lines.findIndex((l) => /^#\s*\S+\s+\S+/.test(l) && firstWord(l) === name);
  if (index >= 0) {
    lines[index] = lines[index]!.replace(/^#\s*/, '');
    return lines.join('\n');
  }
  const entry = supported.split('\n').find((l) => firstWord(l) === name && !l.startsWith('#'));
  if (!entry) throw new ModuleError(`The locale you've entered is not available on your system: ${name} is in neither /etc/locale.gen nor /usr/share/i18n/SUPPORTED`);
  const body = localeGen === '' || localeGen.endsWith('\n') ? localeGen : `${localeGen}\n`;
  return `${body}${entry.trim()}\n`;
}

/** /etc/locale.gen with every uncommented line of `name` commented out. Pure. */
export function disableLocale(localeGen: string, name: string): string {
  return localeGen
    .split('\n')
    .map((l) => (!l.startsWith('#') && l.trim() !== '' && firstWord(l) === name ? `# ${l}` : l))
    .join('\n');
}
