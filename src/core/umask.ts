import { readFileSync } from 'node:fs';

/**
 * The process's umask, read without changing it: `process.umask()` without an argument sets the mask twice
 * (a race with worker threads, and deprecated for that). Linux shows it in /proc/self/status.
 */
export function currentUmask(): number {
  try {
    const line = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (line) return parseInt(line[1]!, 8);
  } catch {
    // Not Linux, or no /proc: ask Node.
  }
  return process.umask();
}

/** The mode a plain write gives a new file: 0666 less the umask. */
export function newFileMode(): number {
  return 0o666 & ~currentUmask();
}
