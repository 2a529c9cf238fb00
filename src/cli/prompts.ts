import { createInterface, type Interface } from 'node:readline';
import { PlaytreeError } from '../core/errors.js';

/** --step met the end of standard input: the run stops there (ansible-playbook stops too, exit 2). */
export class StepInputEndedError extends PlaytreeError {
  override readonly exitCode = 2;
}

/**
 * Lines of standard input, one per question, read as they come (a terminal or a pipe). Closed after the
 * run, so that an open stdin does not keep playtree alive.
 */
export class InputLines {
  private readonly lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private ended = false;
  private reader: Interface | undefined;

  next(): Promise<string | undefined> {
    this.reader ??= this.open();
    const line = this.lines.shift();
    if (line !== undefined || this.ended) return Promise.resolve(line);
    this.reader.resume();
    return new Promise((resolve) => (this.waiting = resolve));
  }

  close(): void {
    this.reader?.close();
  }

  private open(): Interface {
    const reader = createInterface({ input: process.stdin, terminal: false });
    reader.on('line', (line) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting(line);
      else this.lines.push(line);
      // Between questions nothing is read, so a run never swallows more input than it asked for.
      if (!this.waiting) reader.pause();
    });
    reader.on('close', () => {
      this.ended = true;
      this.waiting?.(undefined);
      this.waiting = undefined;
    });
    return reader;
  }
}

/**
 * --step, as ansible-playbook asks: `Perform task: TASK: name (N)o/(y)es/(c)ontinue: ` before each task
 * (handlers are `HANDLER: name`); y or yes runs it, c or continue runs it and every later one without
 * asking, anything else skips it. The question is repeated as a banner after the answer.
 */
export function stepConfirmer(input: InputLines, write: (text: string) => void, beforeQuestion: () => void = () => {}): (label: string) => Promise<boolean> {
  let stepping = true;
  return async (label) => {
    if (!stepping) return true;
    beforeQuestion();
    const question = `Perform task: ${label} (N)o/(y)es/(c)ontinue: `;
    write(question);
    const answer = await input.next();
    if (answer === undefined) {
      write('\n');
      throw new StepInputEndedError(`--step: standard input ended before an answer for ${label}; the run stops here`);
    }
    const banner = question.trimEnd();
    write(`\n${banner} ${'*'.repeat(Math.max(3, 79 - banner.length))}\n`);
    const word = answer.toLowerCase();
    if (word === 'c' || word === 'continue') stepping = false;
    return stepping ? word === 'y' || word === 'yes' : true;
  };
}

/**
 * -K: ask for the become password as ansible-playbook does (`BECOME password: `). On a terminal it is read
 * from /dev/tty without echo (hiddenInput.ts, as the vault prompt); from a pipe the next line of `input` is
 * the password (--step's answers may follow it).
 */
export async function askHiddenLine(question: string, input: InputLines): Promise<string> {
  if (process.stdin.isTTY === true) {
    const { readHiddenLine } = await import('./hiddenInput.js');
    return await readHiddenLine(question, 'become password');
  }
  process.stderr.write(question);
  const line = await input.next();
  if (line === undefined) throw new PlaytreeError(`${question.trim()} no password given (standard input ended)`);
  return line;
}
