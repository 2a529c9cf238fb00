/**
 * What a command's stdout or stderr keeps on the controller. Without a limit, every byte (internal reads:
 * a file's state, a slurp, a package list). With one (`ExecOptions.keepOutput`: command, shell, raw and
 * script results), only the LAST `limit` bytes are held while the rest is read and dropped, so a command
 * that prints gigabytes costs at most the limit (plus one pipe chunk) in memory.
 *
 * Why the end and not the start: a command that fails says why at the end (the compiler's error, apt's
 * "E:" line, a script's last message), and the end is where a long log stops. What was dropped is counted,
 * so the result can say so.
 */
export class OutputKeeper {
  private chunks: Buffer[] = [];
  private held = 0;
  private droppedBytes = 0;

  constructor(private readonly limit?: number) {}

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.held += chunk.length;
    if (this.limit === undefined) return;
    // Whole chunks out first (cheap), then the oldest kept chunk is cut so that exactly `limit` bytes stay.
    while (this.chunks.length > 0 && this.held - this.chunks[0]!.length >= this.limit) this.drop(this.chunks.shift()!.length);
    if (this.held > this.limit) {
      const extra = this.held - this.limit;
      this.chunks[0] = this.chunks[0]!.subarray(extra);
      this.drop(extra);
    }
  }

  /** Bytes read but not kept. */
  get dropped(): number {
    return this.droppedBytes;
  }

  /** The kept bytes as one Buffer (and the chunks merged, so that asking twice costs nothing more). */
  bytes(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private drop(count: number): void {
    this.held -= count;
    this.droppedBytes += count;
  }
}

/** A command's stdout and stderr as kept, with the dropped counts only where bytes were dropped. */
export function keptOutput(stdout: OutputKeeper, stderr: OutputKeeper): { stdout: Buffer; stderr: Buffer; stdoutDropped?: number; stderrDropped?: number } {
  return {
    stdout: stdout.bytes(),
    stderr: stderr.bytes(),
    ...(stdout.dropped > 0 ? { stdoutDropped: stdout.dropped } : {}),
    ...(stderr.dropped > 0 ? { stderrDropped: stderr.dropped } : {}),
  };
}

/** The first non-blank line of a command's output (its stderr, for a one-line message), trimmed; '' if none. */
export function firstLine(bytes: Buffer): string {
  return bytes.toString('utf8').split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
}
