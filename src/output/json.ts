import type { ModuleResult } from '../../modules/module.js';
import { ERROR_LOCATION_KEY, type EngineEvents, type HostStats, type TaskInfo, type TaskResult } from '../engine/events.js';
import { formatPosition } from '../core/errors.js';
import { jsonPieces } from './jsonWriter.js';

/**
 * `--json`: one JSON document on stdout when the run ends, shaped like Ansible's `json` stdout callback:
 * `{ plays: [{ play: {name, hosts}, tasks: [{ task: {name, action, path, handler}, hosts: {HOST: result} }] }],
 *    stats: {HOST: {ok, changed, unreachable, failures, skipped, rescued, ignored}} }`.
 * Each host's result is what `register` would hold, plus `status` (ok, changed, failed, skipped, unreachable).
 */
interface JsonTask {
  task: { name: string; action: string; path?: string; handler: boolean };
  hosts: Record<string, ModuleResult & { status: string }>;
}

interface JsonPlay {
  play: { name: string; hosts: string[] };
  tasks: JsonTask[];
}

export class JsonRenderer implements EngineEvents {
  private readonly plays: JsonPlay[] = [];
  private readonly warnings: string[] = [];
  private lastTask: TaskInfo | undefined;

  private document: object | undefined;

  constructor(private readonly write: (text: string) => boolean | void) {}

  playStart(play: { name: string; hosts: string[] }): void {
    this.plays.push({ play: { name: play.name, hosts: play.hosts }, tasks: [] });
  }

  noHostsMatched(): void {}

  taskStart(task: TaskInfo): void {
    // A meta task is announced once per host (as Ansible's callbacks see it); it is one task here.
    if (this.lastTask === task) return;
    this.lastTask = task;
    this.plays.at(-1)?.tasks.push({
      task: {
        name: task.title,
        action: task.action,
        handler: task.isHandler,
        ...(task.position ? { path: formatPosition(task.position) } : {}),
      },
      hosts: {},
    });
  }

  hostTaskStart(): void {}

  hostRetry(): void {}

  hostResult(_task: TaskInfo, outcome: TaskResult): void {
    if (outcome.isItem) return;
    const task = this.plays.at(-1)?.tasks.at(-1);
    if (task) task.hosts[outcome.host] = { ...withoutLocation(outcome.result), status: outcome.status, ...(outcome.ignored ? { ignored: true } : {}) };
  }

  warning(message: string): void {
    this.warnings.push(message);
  }

  log(): void {}

  noMoreHosts(): void {}

  recap(stats: Map<string, HostStats>): void {
    const recap: Record<string, Record<string, number>> = {};
    for (const [host, s] of [...stats.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      recap[host] = { ok: s.ok, changed: s.changed, unreachable: s.unreachable, failures: s.failed, skipped: s.skipped, rescued: s.rescued, ignored: s.ignored };
    }
    this.document = { plays: this.plays, stats: recap, warnings: this.warnings };
  }

  /**
   * Write the document once the run is over, in pieces (jsonWriter.ts): `write` returns false when the
   * output is full, and the next piece waits for `drained`.
   */
  async finish(drained: () => Promise<void> = async () => {}): Promise<void> {
    if (!this.document) return;
    for (const piece of jsonPieces(this.document, (_k, v) => (Buffer.isBuffer(v) ? v.toString() : v))) {
      if (this.write(piece) === false) await drained();
    }
    this.write('\n');
  }
}

/** The text output's note of where a failed task is written is not part of the JSON result (nor of its items). */
function withoutLocation<T extends object>(result: T): T {
  const { [ERROR_LOCATION_KEY]: _location, ...rest } = result as Record<string, unknown>;
  if (Array.isArray(rest['results'])) rest['results'] = rest['results'].map((item: unknown) => (item && typeof item === 'object' ? withoutLocation(item) : item));
  return rest as T;
}
