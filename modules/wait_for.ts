import { ModuleError } from '../src/core/errors.js';
import { compilePythonRegex } from '../src/core/pythonRegex.js';
import { shellQuote } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { pathInfo, readPathState } from './remoteFile.js';

/**
 * ansible.builtin.wait_for: path with state present/started (exists; with search_regex, a Python regex
 * searched in the file, its groups returned), absent; port and host with state started (a connection is
 * accepted; with search_regex, what the server sends within connect_timeout matches) or stopped/absent;
 * neither: wait `timeout` seconds. delay, sleep, timeout, connect_timeout, msg as Ansible's. Each check is one
 * command in the target, so a port is checked from inside it, with its bash (`/dev/tcp`) and `timeout`:
 * without bash the task fails saying so. Differs: state=drained (and exclude_hosts,
 * active_connection_states) is refused. Skipped in check mode, as Ansible's.
 */
export const waitForModule: ModuleDefinition = {
  name: 'wait_for',
  args: {
    host: { type: 'str', default: '127.0.0.1' },
    timeout: { type: 'int', default: 300 },
    connect_timeout: { type: 'int', default: 5 },
    delay: { type: 'int', default: 0 },
    port: { type: 'int' },
    active_connection_states: { type: 'list', elements: 'str' },
    path: { type: 'path' },
    search_regex: { type: 'str' },
    state: { type: 'str', default: 'started', choices: ['absent', 'drained', 'present', 'started', 'stopped'] },
    exclude_hosts: { type: 'list', elements: 'str' },
    sleep: { type: 'int', default: 1 },
    msg: { type: 'str' },
  },
  run: runWaitFor,
};

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** What one check found: done (the wait is over), and for a found file its path info and regex groups. */
interface Check {
  done: boolean;
  info?: Record<string, unknown>;
  groups?: unknown[];
  groupdict?: Record<string, unknown>;
}

async function runWaitFor(ctx: ModuleContext): Promise<ModuleResult> {
  if (ctx.check) return { changed: false, skipped: true, msg: 'remote module (wait_for) does not support check mode' };
  const a = ctx.args;
  const state = a['state'] as string;
  const path = a['path'] as string | undefined;
  const port = a['port'] as number | undefined;
  const regexText = a['search_regex'] as string | undefined;
  const regex = regexText === undefined ? undefined : compilePythonRegex(regexText, 'm');
  if (port !== undefined && path !== undefined) throw new ModuleError('port and path parameter can not both be passed to wait_for', { elapsed: 0 });
  if (path !== undefined && (state === 'stopped' || state === 'drained')) throw new ModuleError(`state=${state} should only be used for checking a port in the wait_for module`, { elapsed: 0 });
  if (state === 'drained') throw new ModuleError('state=drained is not supported by playtree (it would count the target\'s TCP connections)', { elapsed: 0 });
  const start = Date.now();
  const elapsed = () => Math.floor((Date.now() - start) / 1000);
  const delay = a['delay'] as number;
  if (delay > 0) await sleep(delay);
  const timeout = a['timeout'] as number;
  const base = { changed: false, state, port: port ?? null, search_regex: regexText ?? null, path: path ?? null };
  if (port === undefined && path === undefined) {
    await sleep(timeout);
    return { ...base, match_groups: [], match_groupdict: {}, elapsed: elapsed() };
  }
  const waitingForAbsence = state === 'absent' || state === 'stopped';
  const check = (): Promise<Check> =>
    path !== undefined ? checkPath(ctx, path, waitingForAbsence, regex) : checkPort(ctx, port!, waitingForAbsence, regex);
  const end = start + timeout * 1000;
  let found: Check = { done: false };
  while (Date.now() < end) {
    found = await check();
    if (found.done) break;
    await sleep(a['sleep'] as number);
  }
  if (!found.done) {
    return { changed: false, failed: true, elapsed: elapsed(), msg: (a['msg'] as string | undefined) ?? timeoutMessage(a, waitingForAbsence) };
  }
  return { ...base, match_groups: found.groups ?? [], match_groupdict: found.groupdict ?? {}, ...found.info, elapsed: elapsed() };
}

function timeoutMessage(a: Record<string, unknown>, absence: boolean): string {
  const where = a['path'] !== undefined ? String(a['path']) : `${String(a['host'])}:${String(a['port'])}`;
  if (absence) return a['path'] !== undefined ? `Timeout when waiting for ${where} to be absent.` : `Timeout when waiting for ${where} to stop.`;
  if (a['search_regex'] !== undefined) return `Timeout when waiting for search string ${String(a['search_regex'])} in ${where}`;
  return a['path'] !== undefined ? `Timeout when waiting for file ${where}` : `Timeout when waiting for ${where}`;
}

/** Files up to this size are searched (Ansible maps the whole file). */
const SEARCH_LIMIT = 64 * 1024 * 1024;

async function checkPath(ctx: ModuleContext, path: string, absence: boolean, regex: RegExp | undefined): Promise<Check> {
  const state = await readPathState(ctx.target, path, { follow: true, contentLimit: regex ? SEARCH_LIMIT : -1 });
  if (absence) return { done: !state.exists };
  if (!state.exists) return { done: false };
  const info = { path, ...pathInfo(state) };
  if (!regex) return { done: true, info };
  const match = state.content ? regex.exec(state.content.toString('utf8')) : null;
  return match ? { done: true, info, groups: match.slice(1), groupdict: { ...match.groups } } : { done: false };
}

/**
 * One try at the port from inside the target: rc 0 when a connection is accepted (and, with a regex, what
 * the server sent within connect_timeout on stdout), 111 when refused, 127 without bash.
 */
async function checkPort(ctx: ModuleContext, port: number, absence: boolean, regex: RegExp | undefined): Promise<Check> {
  const connectTimeout = Math.max(ctx.args['connect_timeout'] as number, 1);
  const host = ctx.args['host'] as string;
  const read = regex && !absence ? `timeout ${connectTimeout} cat <&3; ` : '';
  const probe = `exec 3<>"/dev/tcp/$0/$1" || exit 111; ${read}exit 0`;
  const script = `command -v bash >/dev/null 2>&1 || exit 127\ntimeout ${connectTimeout * 2} bash -c ${shellQuote(probe)} ${shellQuote(host)} ${port} 2>/dev/null`;
  const run = await ctx.target.exec(script);
  if (run.rc === 127) throw new ModuleError(`wait_for port needs bash in the target (its /dev/tcp connects from inside it); install bash there or check the port another way`);
  const open = run.rc === 0;
  if (absence) return { done: !open };
  if (!open) return { done: false };
  if (!regex) return { done: true };
  const match = regex.exec(run.stdout.toString('utf8'));
  return match ? { done: true, groups: match.slice(1), groupdict: { ...match.groups } } : { done: false };
}
