import { formatPosition, PlaytreeError, TemplateError } from '../core/errors.js';
import type { ModuleResult } from '../../modules/module.js';
import type { Task } from '../playbook/types.js';
import { LookupError } from '../../lookups/lookup.js';
import { UndefinedVariableError } from '../template/index.js';
import { ERROR_LOCATION_KEY } from './events.js';

/* What a task's result says when an error stopped it: the message Ansible would give, and where. */

/**
 * The failed result of an error raised while running a task. Its `msg` is what ansible-core's would be:
 * a lookup's or module's own words, bare (roles and tests compare them exactly); an undefined variable
 * names the task and file:line in the message, as Ansible's does. Where a bare message leaves the place
 * out, the result carries it under ERROR_LOCATION_KEY: the text output shows it, `register` drops it.
 */
export function failureResult(error: unknown, task: Task): ModuleResult {
  // A template or lookup error stops the task before any module ran: ansible-core's result then has no `changed`.
  const raisedByTemplate = error instanceof TemplateError || error instanceof LookupError || error instanceof UndefinedVariableError;
  const result: ModuleResult = { changed: false, failed: true, msg: failureMessage(error, task) };
  // The one result without `changed` (ModuleResult's readers take a missing one as false).
  if (raisedByTemplate) delete (result as Partial<ModuleResult>).changed;
  if (error instanceof PlaytreeError && !(error instanceof LookupError) && !isUndefinedError(error)) {
    result[ERROR_LOCATION_KEY] = `task '${task.name ?? task.action}' at ${formatPosition(task.position)}`;
  }
  return result;
}

function isUndefinedError(error: unknown): boolean {
  return error instanceof UndefinedVariableError || (error instanceof TemplateError && / is undefined|has no attribute/.test(error.message));
}

export function failureMessage(error: unknown, task: Task): string {
  if (error instanceof LookupError) return error.message;
  if (isUndefinedError(error)) {
    const where = `The error appears to be in '${formatPosition(task.position)}'`;
    return `The task includes an option with an undefined variable. The error was: ${(error as Error).message}. ${where} (task '${task.name ?? task.action}')`;
  }
  if (error instanceof PlaytreeError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return `Unexpected failure in '${task.action}' at ${formatPosition(task.position)}: ${message}`;
}
