import { ModuleError } from '../src/core/errors.js';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';

/**
 * community.general.timezone, for an image: name. The tree's /etc/localtime becomes a link to
 * /usr/share/zoneinfo/NAME and /etc/timezone holds NAME, as Debian's tzdata leaves them: no timedatectl, no
 * running clock touched. The zone must exist in the tree (the tzdata package). The result's `diff` is
 * Ansible's ({name} before and after), with or without --diff. `hwclock` is accepted and ignored with a warning (an image has no hardware clock to set).
 */
export const timezoneModule: ModuleDefinition = {
  name: 'timezone',
  args: {
    name: { type: 'str' },
    hwclock: { type: 'str', aliases: ['rtc'], choices: ['local', 'UTC'] },
  },
  run: runTimezone,
};

const ZONEINFO = '/usr/share/zoneinfo';

async function runTimezone(ctx: ModuleContext): Promise<ModuleResult> {
  const name = ctx.args['name'] as string | undefined;
  const warnings = ctx.args['hwclock'] !== undefined ? ['hwclock ignored: an image tree has no hardware clock; the kernel command line or /etc/adjtime decides at boot'] : [];
  if (name === undefined) {
    if (!warnings.length) throw new ModuleError('one of the following is required: name, hwclock');
    return { changed: false, warnings };
  }
  if (name.includes('..') || name.startsWith('/')) throw new ModuleError(`invalid timezone name: ${name}`);
  const zone = `${ZONEINFO}/${name}`;
  const read = await ctx.target.exec(
    `printf '%s\\0' "$(readlink /etc/localtime)" "$(cat /etc/timezone 2>/dev/null)"; [ -f ${shellQuote(zone)} ] && printf 1 || printf 0`,
  );
  const [link = '', file = '', exists = '0'] = read.stdout.toString().split('\0');
  if (exists !== '1') return { changed: false, failed: true, msg: `given timezone "${name}" is not available in the tree's ${ZONEINFO}: install the tzdata package` };
  const current = file.trim() || link.replace(/^(\.\.)?\/usr\/share\/zoneinfo\//, '');
  const linkRight = link === zone;
  const changed = !linkRight || file.trim() !== name;
  const result: ModuleResult = { changed, ...(warnings.length ? { warnings } : {}) };
  // As Ansible's module, the result always holds the diff (roles read `diff.before.name` to restore the zone).
  result.diff = { before: { name: current }, after: { name } };
  if (!changed || ctx.check) return result;
  const apply = await ctx.target.exec(`${shellJoin(['ln', '-sfn', '--', zone, '/etc/localtime'])} && printf '%s\\n' ${shellQuote(name)} > /etc/timezone`);
  if (apply.rc !== 0) return { ...result, failed: true, msg: `could not set the timezone: ${apply.stderr.toString().trim()}` };
  return result;
}
