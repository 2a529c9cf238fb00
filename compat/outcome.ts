/** What one run of a corpus item came to, read off ansible-playbook's (or playtree's) text output. */
export interface Outcome {
  exitCode: number;
  /** The recap counts of the item's host, when the run got as far as PLAY RECAP. */
  recap?: Record<string, number>;
  /** The failure that ended the run (`[task] FAILED! ...`, or `ERROR! ...`), for the table. */
  problem?: string;
}

const RECAP_KEYS = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'];

/** The recap counts after the last PLAY RECAP, summed over its hosts (a source's playbook may have several). */
export function recapOf(output: string): Record<string, number> | undefined {
  const at = output.lastIndexOf('PLAY RECAP');
  if (at < 0) return undefined;
  let counts: Record<string, number> | undefined;
  for (const line of output.slice(at).split('\n')) {
    const match = /^\S+\s*:\s*(ok=.*)$/.exec(line.trim());
    if (!match) continue;
    counts ??= {};
    for (const pair of match[1]!.trim().split(/\s+/)) {
      const [key, value] = pair.split('=');
      if (RECAP_KEYS.includes(key!)) counts[key!] = (counts[key!] ?? 0) + Number(value);
    }
  }
  return counts;
}

/**
 * The failure that ended the run: the last failed task that was not ignored (a rescued one comes earlier),
 * with its TASK header, or the first ERROR! line; one line of at most `width` characters.
 */
export function finalProblem(output: string, width = 160): string | undefined {
  let task = '';
  let kept: string | undefined;
  let latest: string | undefined;
  for (const line of output.split('\n')) {
    const header = /^TASK \[(.*)\]/.exec(line);
    if (header) task = header[1]!;
    if (/^(fatal|failed): /.test(line)) {
      kept = latest ?? kept;
      latest = `[${task}] ${line.replace(/^(fatal|failed): \[[^\]]*\]:?\s*/, '')}`;
    }
    if (line === '...ignoring') latest = undefined;
    if (/^ERROR! |^\[ERROR\]/.test(line)) return clip(line, width);
  }
  const problem = latest ?? kept;
  return problem === undefined ? undefined : clip(problem, width);
}

/** The difference a reader should look at first: exit codes, then the first recap count that differs. */
export function firstDifference(oracle: Outcome | undefined, ours: Outcome): string {
  if (ours.exitCode !== 0 || !oracle) return ours.problem ?? (ours.exitCode !== 0 ? `exit ${ours.exitCode}` : '');
  if (oracle.exitCode !== 0) return `ansible exit ${oracle.exitCode}: ${oracle.problem ?? ''}`;
  for (const key of RECAP_KEYS) {
    const theirs = oracle.recap?.[key] ?? 0;
    const mine = ours.recap?.[key] ?? 0;
    if (theirs !== mine) return `${key}: ansible ${theirs}, playtree ${mine}`;
  }
  return '';
}

export function describe(outcome: Outcome | undefined): string {
  if (!outcome) return '-';
  const r = outcome.recap;
  const counts = r ? `ok=${r['ok'] ?? 0} ch=${r['changed'] ?? 0} fail=${r['failed'] ?? 0} skip=${r['skipped'] ?? 0}` : 'no recap';
  return `${outcome.exitCode === 0 ? 'clean' : `exit ${outcome.exitCode}`} ${counts}`;
}

function clip(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}
