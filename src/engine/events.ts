import type { ModuleResult } from '../../modules/module.js';
import type { SourcePosition } from '../core/errors.js';

/**
 * What the engine reports while it runs. The engine never prints: renderers (text, live, JSON) in
 * src/output subscribe to these.
 */
export type HostStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export interface TaskInfo {
  /** The banner name: task name, or the action when unnamed; `role : name` inside a role. */
  title: string;
  /** The task's own `name:`, without the role (Ansible's retry line uses it). */
  name?: string;
  action: string;
  position?: SourcePosition;
  isHandler: boolean;
}

/**
 * A failed result's internal key: where the task is written (`task 'name' at file:line:col`) when its `msg`
 * (ansible-core's words) does not say. The text output shows it after the msg; `register` leaves it out.
 */
export const ERROR_LOCATION_KEY = '_ansible_playtree_location';

export interface TaskResult {
  host: string;
  status: HostStatus;
  /** The result as `register` sees it (failed/changed/skipped set). */
  result: ModuleResult;
  /** For loop items: the label of the item. */
  item?: unknown;
  /** The failure was ignored (ignore_errors). */
  ignored?: boolean;
  /** This result belongs to one item of a loop; the task's summary result follows. */
  isItem?: boolean;
  /** The task ran on another host for this one (`delegate_to`): shown as `[host -> other]`. */
  delegatedTo?: string;
  /** The task runs in diff mode (`--diff` or its `diff:` keyword): show the result's diff. */
  diff?: boolean;
}

export interface EngineEvents {
  playStart(play: { name: string; hosts: string[]; pattern: string }): void;
  noHostsMatched(): void;
  taskStart(task: TaskInfo, hosts: string[]): void;
  /** A host started a task (live view). */
  hostTaskStart(host: string, task: TaskInfo): void;
  hostResult(task: TaskInfo, result: TaskResult): void;
  /** `until:` did not hold yet; the task runs again (`retriesLeft` more times at most). */
  hostRetry(task: TaskInfo, host: string, retriesLeft: number): void;
  warning(message: string): void;
  /** Diagnostics at a verbosity level (-v = 1 ... -vvvv = 4). */
  log(verbosity: number, message: string): void;
  noMoreHosts(): void;
  recap(stats: Map<string, HostStats>): void;
}

export function emptyStats(): HostStats {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}
