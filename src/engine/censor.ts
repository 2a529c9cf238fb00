import type { ModuleResult } from '../../modules/module.js';

/** The text ansible-core puts in place of a result whose task has `no_log: true`. */
export const CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

/**
 * What the renderers get of a `no_log` result, as ansible-core's TaskResult.clean_copy builds it: the
 * notice, plus `changed`, `attempts` and `retries`; `failed`/`skipped` stay when true (the JSON output
 * shows them, the text output's line already says so). `register` keeps the real result.
 */
export function censor(result: ModuleResult): ModuleResult {
  const out: ModuleResult = { censored: CENSORED, changed: result.changed };
  for (const key of ['attempts', 'retries'] as const) if (key in result) out[key] = result[key];
  if (result.failed) out.failed = true;
  if (result.skipped) out.skipped = true;
  return out;
}
