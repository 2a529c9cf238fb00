import { matchHosts, type Inventory } from '../inventory/index.js';
import type { Playbook, TaskItem } from '../playbook/types.js';
import type { RunOptions } from '../engine/context.js';
import { taskInfo } from '../engine/taskInfo.js';
import { tagsSelect } from '../engine/tags.js';

/** `--list-hosts`, `--list-tasks` and `--list-tags`, in ansible-playbook's layout (one playbook). */
export function listPlaybook(
  playbook: Playbook,
  inventory: Inventory,
  options: RunOptions,
  what: { hosts: boolean; tasks: boolean; tags: boolean },
): string {
  const lines: string[] = [];
  for (const [index, play] of playbook.plays.entries()) {
    const pattern = Array.isArray(play.hosts) ? play.hosts.join(',') : play.hosts;
    lines.push('', `  play #${index + 1} (${pattern}): ${play.name ?? pattern}\tTAGS: [${play.tags.join(', ')}]`);
    if (what.hosts) {
      const hosts = matchHosts(inventory, pattern, options.limit);
      lines.push(`    pattern: [${pattern.split(/[,:]/).filter(Boolean).map((p) => `'${p}'`).join(', ')}]`, `    hosts (${hosts.length}):`);
      lines.push(...hosts.map((host) => `      ${host}`));
    }
    const tasks = [
      ...flatten(play.preTasks, play.tags),
      ...play.roles.flatMap((reference) => flatten(reference.role.tasks, [...play.tags, ...reference.tags])),
      ...flatten(play.tasks, play.tags),
      ...flatten(play.postTasks, play.tags),
    ].filter(({ tags }) => tagsSelect(tags, options.tags, options.skipTags));
    if (what.tasks) {
      lines.push('    tasks:');
      lines.push(...tasks.map(({ title, tags }) => `      ${title}\tTAGS: [${tags.join(', ')}]`));
    }
    if (what.tags) lines.push(`      TASK TAGS: [${[...new Set(tasks.flatMap(({ tags }) => tags))].sort().join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

function flatten(items: readonly TaskItem[], inherited: readonly string[]): Array<{ title: string; tags: string[] }> {
  return items.flatMap((item) => {
    const tags = [...new Set([...inherited, ...item.tags])].sort();
    if (item.kind === 'block') return flatten([...item.block, ...item.rescue, ...item.always], tags);
    return [{ title: taskInfo(item).title, tags }];
  });
}
