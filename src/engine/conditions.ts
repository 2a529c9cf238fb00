import { toBoolean } from '../core/boolean.js';
import type { Templar } from '../template/index.js';

/* `when:`-style conditions and boolean keywords (no_log, check_mode, ignore_errors), judged by a templar. */

/** `when:` conditions, ANDed, with Ansible's truthiness. */
export function conditionsHold(templar: Templar, conditions: ReadonlyArray<string | boolean>): boolean {
  return conditions.every((condition) => (typeof condition === 'boolean' ? condition : templar.isTrue(condition)));
}

export function describe(conditions: ReadonlyArray<string | boolean>): string {
  return conditions.map(String).join(' and ');
}

export function boolKeyword(templar: Templar, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  return toBoolean(templar.render(value)) ?? fallback;
}
