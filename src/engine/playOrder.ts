import type { Play, Task, TaskItem } from '../playbook/types.js';
import { flattenTasks } from './includes.js';

/**
 * The order in which the linear strategy picks the next task when hosts wait on different ones
 * (ansible-core's `all_tasks` with its `cur_task` cursor): every task of the play flattened in written
 * order (a block's tasks, then its rescue, then its always), the cursor only moving forward. So a host
 * still in its block runs before another's rescue, and a rescue before the always both hosts share.
 */
export class PlayOrder {
  private readonly tasks: Task[];
  private cursor = 0;

  constructor(play: Play, synthetic: { gather: Task; flushes: Task[] }) {
    const roleTasks = play.roles.flatMap((reference) => reference.role.tasks);
    this.tasks = [
      synthetic.gather,
      ...flattenTasks(play.preTasks),
      synthetic.flushes[0]!,
      ...flattenTasks([...roleTasks, ...play.tasks]),
      synthetic.flushes[1]!,
      ...flattenTasks(play.postTasks),
      synthetic.flushes[2]!,
    ];
  }

  /** The next task, from the cursor on, that one of the waiting hosts has next (wrapping around once). */
  next(waiting: readonly Task[]): Task {
    const candidates = new Set(waiting);
    for (let pass = 0; pass < 2; pass++) {
      while (this.cursor < this.tasks.length) {
        const task = this.tasks[this.cursor++]!;
        if (candidates.has(task)) return task;
      }
      this.cursor = 0;
    }
    return waiting[0]!;
  }

  /** Tasks an include just brought in run next, where the include stood. */
  insert(items: readonly TaskItem[]): void {
    this.tasks.splice(this.cursor, 0, ...flattenTasks(items));
  }
}
