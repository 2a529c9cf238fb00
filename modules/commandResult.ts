/**
 * The pieces of a command result that Ansible formats in Python: `splitlines()` for stdout_lines, `str()` of a
 * datetime for start/end and of a timedelta for delta. Kept apart so command, shell and raw report alike.
 */

/** Python's str.splitlines(): every line break Python knows, no empty last line for a trailing break. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Microseconds since the epoch, from the high-resolution clock (Ansible reports microseconds). */
export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `str(datetime.now())`: local time, `2024-05-01 12:03:04.123456` (no fraction when it is zero). */
export function formatTimestamp(micros: number): string {
  const date = new Date(Math.floor(micros / 1000));
  const fraction = micros % 1_000_000;
  const base = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return fraction ? `${base}.${pad(fraction, 6)}` : base;
}

/** `str(timedelta)`: `0:00:00.003456`, `1 day, 2:03:04` (no fraction when it is zero). */
export function formatDelta(micros: number): string {
  const totalSeconds = Math.floor(micros / 1_000_000);
  const fraction = micros % 1_000_000;
  const days = Math.floor(totalSeconds / 86_400);
  const rest = totalSeconds % 86_400;
  let text = `${Math.floor(rest / 3600)}:${pad(Math.floor((rest % 3600) / 60))}:${pad(rest % 60)}`;
  if (fraction) text += `.${pad(fraction, 6)}`;
  return days ? `${days} day${days === 1 ? '' : 's'}, ${text}` : text;
}
