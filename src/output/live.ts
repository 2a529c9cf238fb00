import { Listr, type ListrTaskWrapper } from 'listr2';
import type { EngineEvents, HostStats, TaskInfo, TaskResult } from '../engine/events.js';
import type { TextRenderer } from './text.js';

interface HostLine {
  task?: ListrTaskWrapper<unknown, any, any>;
  finish?: (error?: Error) => void;
  /** The host's tallies, once its play ended. */
  title?: string;
  /** Set when the play ended before listr2 started the host's line (a quick play): the line ends at once. */
  ended?: { error?: Error };
  counts: { ok: number; changed: number; failed: number; skipped: number };
  failure?: string;
}

/**
 * The terminal view: one live line per host showing the task it is running, drawn by listr2. Banners
 * and per-task lines are not printed; each play ends with its hosts' tallies, failures are printed in
 * full under the view, and the PLAY RECAP is the text renderer's.
 */
export class LiveRenderer implements EngineEvents {
  private hosts = new Map<string, HostLine>();
  private running?: Promise<unknown>;
  private failures: Array<{ task: TaskInfo; result: TaskResult }> = [];
  /** Drawing steps run in order: a play's view ends before the next one starts. */
  private queue: Promise<void> = Promise.resolve();
  private stats?: Map<string, HostStats>;

  constructor(private readonly text: TextRenderer) {}

  playStart(play: { name: string; hosts: string[] }): void {
    const previous = this.hosts;
    this.hosts = new Map(play.hosts.map((host) => [host, { counts: { ok: 0, changed: 0, failed: 0, skipped: 0 } }]));
    const current = this.hosts;
    this.queue = this.queue.then(async () => {
      await this.endPlay(previous);
      this.text.playStart(play);
      this.startView(play.hosts, current);
    });
  }

  private startView(hosts: string[], lines: Map<string, HostLine>): void {
    const list = new Listr(
      hosts.map((host) => ({
        title: host,
        task: (_ctx: unknown, task: ListrTaskWrapper<unknown, any, any>) =>
          new Promise<void>((resolve, reject) => {
            const line = lines.get(host)!;
            line.task = task;
            line.finish = (error) => (error ? reject(error) : resolve());
            if (line.ended) {
              task.title = line.title ?? host;
              line.finish(line.ended.error);
            }
          }),
      })),
      { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false } },
    );
    this.running = list.run().catch(() => undefined);
  }

  noHostsMatched(): void {
    this.queue = this.queue.then(() => this.text.noHostsMatched());
  }

  taskStart(): void {}

  hostTaskStart(host: string, task: TaskInfo): void {
    const line = this.hosts.get(host);
    if (line?.task) line.task.title = `${host}: ${task.isHandler ? 'handler' : 'task'} [${task.title}]`;
  }

  hostRetry(task: TaskInfo, host: string, retriesLeft: number): void {
    const line = this.hosts.get(host);
    if (line?.task) line.task.title = `${host}: task [${task.title}] retrying (${retriesLeft} left)`;
  }

  hostResult(task: TaskInfo, result: TaskResult): void {
    const line = this.hosts.get(result.host);
    if (!line || result.isItem) return;
    if (result.status === 'changed') line.counts.changed++;
    if (result.status === 'skipped') line.counts.skipped++;
    if (result.status === 'failed' && !result.ignored) line.counts.failed++;
    if (result.status === 'ok' || result.status === 'changed') line.counts.ok++;
    if ((result.status === 'failed' && !result.ignored) || result.status === 'unreachable') {
      this.failures.push({ task, result });
      line.failure = result.status === 'unreachable' ? 'UNREACHABLE' : `failed at [${task.title}]`;
    }
  }

  warning(message: string): void {
    this.text.warning(message);
  }

  log(verbosity: number, message: string): void {
    this.text.log(verbosity, message);
  }

  noMoreHosts(): void {}

  recap(stats: Map<string, HostStats>): void {
    this.stats = stats;
  }

  private async endPlay(lines: Map<string, HostLine>): Promise<void> {
    for (const [host, line] of lines) {
      const c = line.counts;
      line.title = `${host}: ok=${c.ok} changed=${c.changed} failed=${c.failed} skipped=${c.skipped}`;
      if (line.task) line.task.title = line.title;
      const error = line.failure ? new Error(`${host}: ${line.failure}`) : undefined;
      // listr2 may not have started the line yet: it then ends as soon as it starts.
      if (line.finish) line.finish(error);
      else line.ended = error ? { error } : {};
    }
    const running = this.running;
    this.running = undefined;
    await running;
    for (const { task, result } of this.failures) {
      this.text.taskStart(task);
      this.text.hostResult(task, result);
    }
    this.failures = [];
  }

  async finish(): Promise<void> {
    await this.queue;
    await this.endPlay(this.hosts);
    if (this.stats) this.text.recap(this.stats);
  }
}
