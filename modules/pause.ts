import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';

/**
 * ansible.builtin.pause: `seconds` or `minutes` (waits that long, at least a second), `prompt`, `echo`.
 * The result has Ansible's keys (start, stop, delta, stdout "Paused for N seconds", user_input).
 * Differs: nothing is read from a terminal: a pause with no time goes on at once with Ansible's warning for
 * a non-interactive stdin; each host waits on its own (at the same time) where Ansible pauses once for all.
 */
export const pauseModule: ModuleDefinition = {
  name: 'pause',
  local: true,
  args: {
    seconds: { type: 'int' },
    minutes: { type: 'int' },
    prompt: { type: 'str' },
    echo: { type: 'bool', default: true },
  },
  run: runPause,
};

async function runPause(ctx: ModuleContext): Promise<ModuleResult> {
  const { seconds, minutes, echo } = ctx.args as { seconds?: number; minutes?: number; echo: boolean };
  if (seconds !== undefined && minutes !== undefined) return { changed: false, failed: true, msg: 'parameters are mutually exclusive: minutes|seconds' };
  const unit = seconds !== undefined ? 'seconds' : 'minutes';
  const wait = minutes !== undefined ? minutes * 60 : seconds;
  const started = Date.now();
  const start = pythonDateTime(new Date(started));
  if (wait !== undefined) await new Promise((resolve) => setTimeout(resolve, Math.max(wait, 1) * 1000));
  const elapsed = (Date.now() - started) / 1000;
  const shown = Math.round((unit === 'minutes' ? elapsed / 60 : elapsed) * 100) / 100;
  return {
    changed: false,
    rc: 0,
    stderr: '',
    stdout: `Paused for ${pythonFloat(shown)} ${unit}`,
    start,
    stop: pythonDateTime(new Date()),
    delta: Math.trunc(elapsed),
    echo,
    user_input: '',
    ...(wait === undefined ? { warnings: ['Not waiting for response to prompt as stdin is not interactive'] } : {}),
  };
}

/** Python's str() of a float: always with a fraction (1.0). */
function pythonFloat(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

/** Python's str(datetime.now()): local time, microseconds. */
function pythonDateTime(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds() * 1000, 6)}`;
}
