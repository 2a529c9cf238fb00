import { openSync, writeSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { PlaytreeError } from '../core/errors.js';

/**
 * A password typed on the terminal without echo (`--ask-vault-pass`, `-K`), as Python's getpass reads it:
 * the prompt goes to /dev/tty and the line is read from it, so stdin and stdout may be redirected. Without
 * a terminal, one line of stdin is read instead. `what` names the password in errors.
 */
export async function readHiddenLine(prompt: string, what = 'vault password'): Promise<string> {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    return await readStdinLine(what);
  }
  // One owner for the descriptor: the prompt and the final newline are plain writes, the stream closes it.
  // Echo goes off before the prompt is shown: keys typed as soon as it appears must not be echoed.
  const input = new ReadStream(fd);
  input.setRawMode(true);
  writeSync(fd, prompt);
  try {
    return await new Promise<string>((done, fail) => {
      const typed = new HiddenLine();
      input.on('data', (chunk: Buffer) => {
        const state = typed.take(chunk.toString('utf8'));
        if (state === 'pending') return;
        if (state === 'line') done(typed.text);
        else fail(new PlaytreeError(state === 'interrupted' ? `interrupted at the ${what} prompt` : `no ${what} typed (end of input at the prompt)`));
      });
    });
  } finally {
    input.setRawMode(false);
    writeSync(fd, '\n');
    input.destroy();
  }
}

/** The keys typed at a no-echo prompt: Enter ends the line, Backspace erases, ^C interrupts, ^D on an empty line ends the input. */
export class HiddenLine {
  private chars: string[] = [];

  get text(): string {
    return this.chars.join('');
  }

  take(keys: string): 'pending' | 'line' | 'interrupted' | 'end' {
    for (const key of keys) {
      if (key === '\r' || key === '\n') return 'line';
      if (key === '\u0003') return 'interrupted';
      if (key === '\u0004') {
        if (this.chars.length === 0) return 'end';
        continue;
      }
      if (key === '\u007f' || key === '\b') this.chars.pop();
      else if (key === '\u0015') this.chars = [];
      else this.chars.push(key);
    }
    return 'pending';
  }
}

async function readStdinLine(what: string): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    const end = text.indexOf('\n');
    if (end >= 0) return text.slice(0, end);
  }
  if (text) return text;
  throw new PlaytreeError(`no ${what} typed (no terminal, and stdin ended)`);
}
