import { createInterface } from 'node:readline';
import { ModuleError } from '../src/core/errors.js';
import { formatTimestamp, nowMicros } from './commandResult.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';

/**
 * ansible.builtin.pause: seconds or minutes (whole numbers; a float is cut, at least 1 second), prompt, echo.
 * Runs once for the play, on its first host, as Ansible's (bypassHostLoop). With a duration it waits that
 * long (a prompt is only shown). Without one it waits for a line on the controller's stdin when that is a
 * terminal, the prompt going to stderr; when stdin is not a terminal it goes on at once with Ansible's
 * warning, as ansible-playbook 2.14 does. Result: start, stop, delta, user_input, echo, stdout as Ansible's.
 * Differs: no ctrl+C then C/A handling during a timed pause (ctrl+C interrupts the run); `echo: false` only
 * sets the result key (typed input is shown); the prompt's header is `[pause]`, not the task's name.
 */
export const pauseModule: ModuleDefinition = {
  name: 'pause',
  local: true,
  bypassHostLoop: true,
  args: {
    minutes: { type: 'raw' },
    seconds: { type: 'raw' },
    prompt: { type: 'str' },
    echo: { type: 'bool', default: true },
  },
  run: runPause,
};

/** Python's int() of an argument: a number or numeric text, cut toward zero. */
function wholeNumber(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const number = Math.trunc(Number(value));
  if (value === '' || !Number.isFinite(number)) throw new ModuleError(`argument '${name}' is of type ${typeof value} and we were unable to convert to int: ${String(value)}`);
  return number;
}

async function runPause(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  if (a['minutes'] !== undefined && a['seconds'] !== undefined) throw new ModuleError('parameters are mutually exclusive: minutes|seconds');
  const minutes = wholeNumber('minutes', a['minutes']);
  const givenSeconds = wholeNumber('seconds', a['seconds']);
  const seconds = minutes !== undefined ? minutes * 60 : givenSeconds;
  const unit = givenSeconds !== undefined ? 'seconds' : 'minutes';
  const echo = a['echo'] as boolean;
  const prompt = `[pause]\n${(a['prompt'] as string | undefined) || 'Press enter to continue, Ctrl+C to interrupt'}${echo ? '' : ' (output is hidden)'}:`;
  const start = nowMicros();
  let userInput = '';
  const warnings: string[] = [];
  const display = (line: string) => ctx.display?.(line);
  if (seconds !== undefined) {
    display(`Pausing for ${Math.max(seconds, 1)} seconds${echo ? '' : ' (output is hidden)'}`);
    // Ansible's own line, carriage return included.
    display("(ctrl+C then 'C' = continue early, ctrl+C then 'A' = abort)\r");
    if (a['prompt']) display(prompt);
    await new Promise((resolve) => setTimeout(resolve, Math.max(seconds, 1) * 1000));
  } else if (process.stdin.isTTY) {
    userInput = await readLine(prompt);
  } else {
    display(prompt);
    warnings.push('Not waiting for response to prompt as stdin is not interactive');
  }
  const stop = nowMicros();
  const elapsed = (stop - start) / 1e6;
  const shown = Math.round((unit === 'minutes' ? elapsed / 60 : elapsed) * 100) / 100;
  const result: ModuleResult = {
    changed: false,
    rc: 0,
    stderr: '',
    stdout: `Paused for ${Number.isInteger(shown) ? shown.toFixed(1) : String(shown)} ${unit}`,
    start: formatTimestamp(start),
    stop: formatTimestamp(stop),
    delta: Math.floor(elapsed),
    echo,
    user_input: userInput,
  };
  if (warnings.length) result['warnings'] = warnings;
  return result;
}

function readLine(prompt: string): Promise<string> {
  const reader = createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => {
    reader.question(`${prompt}\n`, (answer) => {
      reader.close();
      resolve(answer);
    });
  });
}
