import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { shellQuote } from '../src/core/shellQuote.js';
import { withTrailer } from '../src/core/streamTrailer.js';
import { formatMode } from './remoteFile.js';

/*
 * How an installation's bytes reach its temporary file on the target (contentInstall.ts): the shell text that
 * creates and fills the file from the command's stdin, and that stdin, framed so that only the whole content is
 * ever renamed over dest.
 */

/**
 * Content up to this size, in at most READ_LINES_LIMIT lines and without a NUL byte, is written by the shell's
 * own `read` and `printf`: no program. The shell reads a pipe a byte at a time, so bigger content is cheaper
 * through `head` (here a program costs ~0.9 ms, the shell ~0.3 µs a byte and ~3 µs a line).
 */
const READ_BYTES_LIMIT = 2048;
const READ_LINES_LIMIT = 128;

/** The content's lines as the shell's `read` sees them: whole ones, and whether a last one has no newline. */
interface LineShape {
  whole: number;
  unterminated: boolean;
}

function lineShape(data: Buffer): LineShape | undefined {
  if (data.length > READ_BYTES_LIMIT || data.includes(0)) return undefined;
  let whole = 0;
  for (let at = data.indexOf(0x0a); at >= 0; at = data.indexOf(0x0a, at + 1)) whole++;
  const unterminated = data.length > 0 && data[data.length - 1] !== 0x0a;
  return whole + (unterminated ? 1 : 0) <= READ_LINES_LIMIT ? { whole, unterminated } : undefined;
}

export interface Reception {
  /** Shell commands for a `set -e` script: the file is complete, and nothing more was read, once they succeed. */
  commands: string[];
  stdin: Buffer | Readable;
}

/**
 * Shell text writing the content to `temporary` from stdin, then checking that the line after it is `suffix`.
 * A plain `cat` also ends, with success, when playtree dies mid-stream (SIGKILL closes its end of the pipe): only
 * the whole content may be renamed over dest, never the part that arrived. Small text is read line by line by the
 * shell (a missing line fails the write); other content through `head -c`, which reads exactly its size; the
 * check after either is the shell's own `read`. A size unknown in advance (a FIFO as `src`) is written with `cat`,
 * unchecked. The file is created with `createdMode` through the umask (0600, the content may be a secret, or its
 * final mode when that shows no one more: see contentInstall.ts's createdWithMode).
 */
export async function receiveContent(temporary: string, suffix: string, content: { data?: Buffer; file?: string }, createdMode: number): Promise<Reception> {
  // One subshell both creates (createdMode, noclobber) and becomes the writer: no process more than a plain `cat`,
  // and the umask stays the shell's for a `chmod =rw` that follows.
  const umask = formatMode(0o777 & ~createdMode);
  const create = `umask ${umask} && set -C && exec`;
  const target = shellQuote(temporary);
  const check = `pt_end=; IFS= read -r pt_end || :; [ "$pt_end" = ${suffix} ] || { echo 'the content arrived incomplete' >&2; exit 1; }`;
  const trailer = `${suffix}\n`;
  // A small controller file (a folder copy's) is read whole: the shell may write it.
  const size = content.data ? content.data.length : await regularFileSize(content.file!);
  const data = content.data ?? (size !== undefined && size <= READ_BYTES_LIMIT ? await readFile(content.file!) : undefined);
  const shape = data && lineShape(data);
  if (data && shape) {
    // The shell's `read` needs a newline after an unterminated last line: the frame adds one, printf leaves it out.
    const lines = [
      `pt_n=${shape.whole} && while [ $pt_n -gt 0 ]; do IFS= read -r pt_l && printf '%s\\n' "$pt_l" || exit 1; pt_n=$((pt_n - 1)); done`,
      ...(shape.unterminated ? [`IFS= read -r pt_l && printf %s "$pt_l"`] : []),
    ];
    const framed = Buffer.concat([data, Buffer.from(`${shape.unterminated ? '\n' : ''}${trailer}`)]);
    return { commands: [`(${create} > ${target} && ${lines.join(' && ')})`, check], stdin: framed };
  }
  if (data) return { commands: [`(${create} head -c ${data.length} > ${target})`, check], stdin: Buffer.concat([data, Buffer.from(trailer)]) };
  const stream = createReadStream(content.file!);
  if (size === undefined) return { commands: [`(${create} cat > ${target})`], stdin: stream };
  return { commands: [`(${create} head -c ${size} > ${target})`, check], stdin: withTrailer(stream, trailer) };
}

/** The size of a regular file; undefined for a FIFO or device, whose size says nothing of what it sends. */
async function regularFileSize(path: string): Promise<number | undefined> {
  const info = await stat(path);
  return info.isFile() ? info.size : undefined;
}
