import { ModuleError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';

/**
 * The file module's modification_time/access_time: `now`, `preserve`, or a time written in a strftime
 * format (default `%Y%m%d%H%M.%S`), read in local time as Ansible's time.mktime does.
 */

/** undefined: preserve; 'now'; or seconds since the epoch. */
export type WantedTime = undefined | 'now' | number;

const FIELDS: Record<string, { pattern: string; key: 'Y' | 'm' | 'd' | 'H' | 'M' | 'S' | 'y' }> = {
  Y: { pattern: '(\\d{4})', key: 'Y' },
  y: { pattern: '(\\d{2})', key: 'y' },
  m: { pattern: '(\\d{1,2})', key: 'm' },
  d: { pattern: '(\\d{1,2})', key: 'd' },
  H: { pattern: '(\\d{1,2})', key: 'H' },
  M: { pattern: '(\\d{1,2})', key: 'M' },
  S: { pattern: '(\\d{1,2})', key: 'S' },
};

export function parseWantedTime(value: string | undefined, format: string, name: string, defaultValue: 'now' | 'preserve'): WantedTime {
  const text = value ?? defaultValue;
  if (text === 'preserve') return undefined;
  if (text === 'now') return 'now';
  const keys: string[] = [];
  const pattern = format.replace(/%(.)|[.*+?^${}()|[\]\\]/g, (match, directive: string | undefined) => {
    if (!directive) return `\\${match}`;
    if (directive === '%') return '%';
    const field = FIELDS[directive];
    if (!field) throw new ModuleError(`${name}: the format directive %${directive} is not supported`);
    keys.push(field.key);
    return field.pattern;
  });
  const match = new RegExp(`^${pattern}$`).exec(text);
  if (!match) throw new ModuleError(`Error while obtaining timestamp for time ${text} using format ${format}: time data '${text}' does not match format '${format}'`);
  const parts: Record<string, number> = { Y: 1900, m: 1, d: 1, H: 0, M: 0, S: 0 };
  keys.forEach((key, i) => {
    const n = Number(match[i + 1]);
    if (key === 'y') parts['Y'] = n < 69 ? 2000 + n : 1900 + n;
    else parts[key] = n;
  });
  return new Date(parts['Y']!, parts['m']! - 1, parts['d']!, parts['H']!, parts['M']!, parts['S']!).getTime() / 1000;
}

/** Whether setting these times changes anything (`now` always does, as in Ansible). */
export function timesChange(mtime: WantedTime, atime: WantedTime, current: { mtime: number; atime: number }): boolean {
  const differs = (wanted: WantedTime, now: number) => wanted === 'now' || (wanted !== undefined && Math.floor(now) !== wanted);
  return differs(mtime, current.mtime) || differs(atime, current.atime);
}

export function timeCommands(path: string, mtime: WantedTime, atime: WantedTime): string[] {
  const commands: string[] = [];
  const stamp = (t: number | 'now') => (t === 'now' ? [] : ['-d', `@${t}`]);
  // The same time for both: one touch sets them together.
  if (mtime !== undefined && mtime === atime) return [shellJoin(['touch', '-c', ...stamp(mtime), '--', path])];
  if (mtime !== undefined) commands.push(shellJoin(['touch', '-c', '-m', ...stamp(mtime), '--', path]));
  if (atime !== undefined) commands.push(shellJoin(['touch', '-c', '-a', ...stamp(atime), '--', path]));
  return commands;
}
