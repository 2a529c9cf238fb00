import type { ExecResult } from '../connections/connection.js';
import type { ModuleResult } from './module.js';

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

/**
 * How much of each stream a command, shell, raw or script result keeps: the LAST 1 MiB (the end says why a
 * command failed; see connections/outputKeeper.ts). Enough for the outputs plays register and parse. Not
 * more: a result lives on as `stdout`, `stdout_lines`, a registered variable and the --json document, and
 * 1 MiB of one-character lines (`yes`) already costs about 130 MB there (4 MiB took --json past 450 MB).
 * Internal reads (file states, slurp, package lists) ask for no limit.
 */
export const COMMAND_OUTPUT_LIMIT = 1024 * 1024;

/** Options for `target.exec` of a command whose output goes into its result. */
export const KEEP_COMMAND_OUTPUT = { keepOutput: COMMAND_OUTPUT_LIMIT } as const;

/** One stream of a command's answer as the result shows it: its text, bytes kept and bytes dropped. */
export interface KeptStream {
  text: string;
  kept: number;
  dropped: number;
}

/** stdout and stderr of a command's answer, decoded, with what the connection (or this) dropped. */
export function commandStreams(answer: ExecResult): { stdout: KeptStream; stderr: KeptStream } {
  return { stdout: keptStream(answer.stdout, answer.stdoutDropped), stderr: keptStream(answer.stderr, answer.stderrDropped) };
}

/**
 * Decode a kept stream: invalid UTF-8 becomes U+FFFD (Ansible keeps surrogate escapes instead). A stream
 * cut at the front starts at a whole character (its first line may be partial: the warning says it was
 * cut); a driver that ignored `keepOutput` (a user's connection plugin) is cut here.
 */
export function keptStream(bytes: Buffer, droppedBefore = 0, limit = COMMAND_OUTPUT_LIMIT): KeptStream {
  let kept = bytes.length > limit ? bytes.subarray(bytes.length - limit) : bytes;
  let dropped = droppedBefore + (bytes.length - kept.length);
  if (dropped > 0) {
    const start = firstCharacterStart(kept);
    dropped += start;
    kept = kept.subarray(start);
  }
  return { text: kept.toString('utf8'), kept: kept.length, dropped };
}

/** The offset of the first byte that is not a UTF-8 continuation byte (at most 3 in). */
function firstCharacterStart(bytes: Buffer): number {
  let at = 0;
  while (at < 3 && at < bytes.length && (bytes[at]! & 0xc0) === 0x80) at++;
  return at;
}

/**
 * Mark `result` when a stream was cut: `stdout_truncated: true` (or stderr_) and a warning saying how much
 * was dropped. Ansible has no such keys: it keeps everything, whatever it costs.
 */
export function addTruncationNotes(result: ModuleResult, streams: { stdout: KeptStream; stderr: KeptStream }): ModuleResult {
  for (const name of ['stdout', 'stderr'] as const) {
    const { kept, dropped } = streams[name];
    if (dropped === 0) continue;
    result[`${name}_truncated`] = true;
    const warning = `${name} was cut: its first ${dropped} bytes were dropped, only its last ${kept} bytes are kept (${name}_truncated).`;
    result['warnings'] = [...((result['warnings'] as string[] | undefined) ?? []), warning];
  }
  return result;
}
