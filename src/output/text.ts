import type { createTwoFilesPatch } from 'diff';
import type { FileDiff, ModuleResult } from '../../modules/module.js';
import { ERROR_LOCATION_KEY, type EngineEvents, type HostStats, type TaskInfo, type TaskResult } from '../engine/events.js';
import { pyStr } from '../core/pythonValues.js';
import { pythonJson } from '../template/pythonSerializers.js';

/** Where a renderer writes: stdout for results, stderr for warnings (as ansible-playbook). */
export interface OutputStreams {
  out: (text: string) => void;
  err: (text: string) => void;
}

const DEBUG_ALLOWED = new Set(['msg', 'exception', 'warnings', 'deprecations']);
const HIDE_IN_DEBUG = ['changed', 'failed', 'skipped', 'invocation', 'skip_reason'];

/**
 * The text layout of ansible-playbook's default callback: banners padded with stars to 80 columns,
 * `ok: [host]`, `changed: [host]`, `fatal: [host]: FAILED! => {...}`, loop items, and the PLAY RECAP.
 */
export class TextRenderer implements EngineEvents {
  /** `createPatch` (jsdiff's, loaded only for --diff: it costs start-up time) prints file diffs. */
  constructor(
    private readonly streams: OutputStreams,
    private readonly verbosity: number,
    private readonly createPatch?: typeof createTwoFilesPatch,
  ) {}

  private line(text: string): void {
    this.streams.out(`${text}\n`);
  }

  private banner(text: string): void {
    this.flushIncludes();
    this.line(`\n${text} ${'*'.repeat(Math.max(3, 79 - text.length))}`);
  }

  playStart(play: { name: string }): void {
    this.banner(play.name ? `PLAY [${play.name}]` : 'PLAY');
  }

  noHostsMatched(): void {
    this.line('skipping: no hosts matched');
  }

  taskStart(task: TaskInfo): void {
    this.banner(`${task.isHandler ? 'RUNNING HANDLER' : 'TASK'} [${task.title}]`);
    if (this.verbosity >= 2 && task.position) this.line(`task path: ${task.position.file}:${task.position.line}`);
  }

  hostTaskStart(): void {}

  hostRetry(task: TaskInfo, host: string, retriesLeft: number): void {
    // As Ansible's callback: a named task by its own name, an unnamed one by its banner title.
    this.line(`FAILED - RETRYING: [${host}]: ${task.name ?? task.title} (${retriesLeft} retries left).`);
  }

  hostResult(task: TaskInfo, outcome: TaskResult): void {
    const { host, result } = outcome;
    if (typeof result['included'] === 'string') {
      this.noteInclude(result['included'], outcome, host);
      return;
    }
    this.printWarnings(result);
    if (outcome.diff && result.diff) this.printDiff(result.diff);
    // A delegated task names both hosts, except where it did not run (skipped), as Ansible's callback.
    const label = outcome.delegatedTo ? `${host} -> ${outcome.delegatedTo}` : host;
    const isLoop = Array.isArray(result['results']) && !outcome.isItem;
    const item = outcome.isItem ? ` => (item=${pyStr(outcome.item)})` : '';
    switch (outcome.status) {
      case 'unreachable':
        this.line(`fatal: [${label}]: UNREACHABLE! => ${this.dump(result)}`);
        return;
      case 'failed':
        if (outcome.isItem) this.line(`failed: [${label}] (item=${pyStr(outcome.item)}) => ${this.dump(result)}`);
        else if (!isLoop) this.line(`fatal: [${label}]: FAILED! => ${this.dump(result)}`);
        if (outcome.ignored) this.line('...ignoring');
        return;
      case 'skipped': {
        // Ansible's item skip line ends with a space: "skipping: [h] => (item=x) "; a loop's summary line
        // follows its items (without the items' results).
        const shown = cleanForDisplay(task.action, withoutSkipDetails(result));
        this.line(`skipping: [${host}]${item}${outcome.isItem ? ' ' : ''}${this.verbose(result) ? ` => ${this.dump(shown)}` : ''}`);
        return;
      }
      default: {
        if (isLoop) return;
        const shown = cleanForDisplay(task.action, result);
        this.line(`${outcome.status}: [${label}]${item}${this.verbose(result) ? ` => ${this.dump(shown)}` : ''}`);
      }
    }
  }

  /** Ansible prints one `included:` line per file (and item) for all the hosts that included it. */
  private readonly includes: Array<{ file: string; label: string; hosts: string[] }> = [];

  private noteInclude(file: string, outcome: TaskResult, host: string): void {
    const label = 'item' in outcome ? ` => (item=${pyStr(outcome.item)})` : '';
    const same = this.includes.find((entry) => entry.file === file && entry.label === label);
    if (same) same.hosts.push(host);
    else this.includes.push({ file, label, hosts: [host] });
  }

  /** Print the `included:` lines held back; also before a --step question, which ansible-playbook asks after them. */
  flushIncludes(): void {
    for (const { file, label, hosts } of this.includes.splice(0)) this.line(`included: ${file} for ${hosts.join(', ')}${label}`);
  }

  /** A module's `warnings` are printed as `[WARNING]:` lines, and not repeated in the result. */
  private printWarnings(result: ModuleResult): void {
    const warnings = result['warnings'];
    if (Array.isArray(warnings)) for (const warning of warnings) this.warning(String(warning));
  }

  private verbose(result: ModuleResult): boolean {
    return this.verbosity > 0 || result['_ansible_verbose_always'] === true;
  }

  private dump(result: ModuleResult): string {
    const indent = result['_ansible_verbose_always'] === true || this.verbosity > 2 ? 4 : undefined;
    const shown: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(result)) {
      // `failed` is implied by the line ("FAILED!"); Ansible's callback does not repeat it.
      if (key.startsWith('_ansible') || key === 'failed' || key === 'warnings') continue;
      if (key === 'diff' && this.verbosity < 3) continue;
      shown[key] = value;
    }
    // A failure playtree raised keeps its msg as Ansible's; where the task is written is shown beside it.
    const location = result[ERROR_LOCATION_KEY];
    if (typeof location === 'string' && typeof shown['msg'] === 'string') shown['msg'] = `${shown['msg']} (${location})`;
    return pythonJson(shown, indent, true);
  }

  private printDiff(diff: FileDiff | FileDiff[]): void {
    for (const one of Array.isArray(diff) ? diff : [diff]) {
      // A module's own account of what it would do (apt's plan) is shown as it is, as Ansible does.
      if (one.prepared !== undefined) {
        this.line(one.prepared);
        continue;
      }
      const before = diffText(one.before);
      const after = diffText(one.after);
      if (before === after) continue;
      if (!this.createPatch) continue;
      const patch = this.createPatch(
        one.before_header === undefined ? 'before' : `before: ${one.before_header}`,
        one.after_header === undefined ? 'after' : `after: ${one.after_header}`,
        before,
        after,
        undefined,
        undefined,
        { context: 3 },
      );
      // Drop the "Index:/====" preamble jsdiff writes; Ansible starts at the --- line.
      // Python's difflib writes a one-line range as its start alone (`@@ -1 +1,2 @@`).
      const text = patch
        .split('\n')
        .filter((l) => !l.startsWith('Index') && !/^=+$/.test(l))
        .map((l) => l.replace(/^@@ -(\d+)(,\d+) \+(\d+)(,\d+) @@/, (_m, from: string, fromLength: string, to: string, toLength: string) =>
          `@@ -${from}${fromLength === ',1' ? '' : fromLength} +${to}${toLength === ',1' ? '' : toLength} @@`))
        .join('\n');
      this.streams.out(text.endsWith('\n') ? text : `${text}\n`);
      this.line('');
    }
  }

  /** Warnings already printed: ansible-core shows each distinct warning once per run. */
  private readonly warned = new Set<string>();

  warning(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.streams.err(`[WARNING]: ${message}\n`);
  }

  log(verbosity: number, message: string): void {
    if (this.verbosity >= verbosity) this.line(message);
  }

  noMoreHosts(): void {
    this.banner('NO MORE HOSTS LEFT');
  }

  recap(stats: Map<string, HostStats>): void {
    this.banner('PLAY RECAP');
    for (const host of [...stats.keys()].sort()) this.line(recapLine(host, stats.get(host)!));
    this.line('');
  }
}

/** `host : ok=N changed=N ...` exactly as Ansible's default callback formats it (%-26s, %-4s). */
export function recapLine(host: string, stats: HostStats): string {
  const field = (name: string, value: number) => `${name}=${String(value).padEnd(4)}`;
  return `${host.padEnd(26)} : ${[
    field('ok', stats.ok),
    field('changed', stats.changed),
    field('unreachable', stats.unreachable),
    field('failed', stats.failed),
    field('skipped', stats.skipped),
    field('rescued', stats.rescued),
    field('ignored', stats.ignored),
  ].join(' ')}`;
}

/** A diff side that is not text (file state as a dict) is shown as Ansible does: sorted JSON, indent 4. */
function diffText(side: unknown): string {
  if (typeof side === 'string') return side;
  if (side === undefined || side === null) return '';
  return `${pythonJson(side, 4, true)}\n`;
}

/**
 * A skip as Ansible 2.14 shows it: no `false_condition` (added in 2.15), no `skipped` flag (the line says
 * it), and a loop summary without its items' results.
 */
function withoutSkipDetails(result: ModuleResult): ModuleResult {
  const { skipped: _s, false_condition: _f, results: _r, ...rest } = result;
  return rest as ModuleResult;
}

/** debug shows only its message (or variable), as Ansible's _clean_results does. */
function cleanForDisplay(action: string, result: ModuleResult): ModuleResult {
  if (!/(^|\.)debug$/.test(action)) return result;
  const out: ModuleResult = { ...result };
  if ('msg' in result) {
    for (const key of Object.keys(out)) if (!DEBUG_ALLOWED.has(key) && !key.startsWith('_')) delete out[key];
  } else {
    for (const key of HIDE_IN_DEBUG) delete out[key];
  }
  return out;
}

