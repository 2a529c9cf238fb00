import type { SourcePosition } from '../core/errors.js';
import type { LoadContext } from './loadContext.js';
import type { TaskItem } from './types.js';
import { readYamlFile } from '../core/yamlSource.js';

/** Read a file holding a list of tasks (a role's tasks/main.yml, an imported or included file). */
export async function readTaskFile(file: string, ctx: LoadContext, from?: SourcePosition): Promise<TaskItem[]> {
  const yaml = await readYamlFile(file, from);
  ctx.warnings.push(...yaml.warnings);
  return ctx.parseTaskList(yaml.value, ctx, { file, line: 1, column: 1 });
}
