/**
 * Ansible's tag selection: `--tags` (default `all`) and `--skip-tags` against a task's tags (its own
 * plus inherited). `always` runs unless skipped by name; `never` runs only when asked for by name;
 * `tagged` and `untagged` select by the presence of tags.
 */
export function tagsSelect(taskTags: readonly string[], only: readonly string[], skip: readonly string[]): boolean {
  const tags = new Set(taskTags);
  const selected = only.length ? only : ['all'];
  if (skip.length) {
    if (skip.includes('all') && !(tags.has('always') && !skip.includes('always'))) return false;
    if (skip.some((tag) => tags.has(tag))) return false;
    if (skip.includes('tagged') && tags.size > 0) return false;
    if (skip.includes('untagged') && tags.size === 0) return false;
  }
  if (tags.has('always') && !skip.includes('always')) return true;
  if (selected.some((tag) => tag !== 'all' && tag !== 'tagged' && tag !== 'untagged' && tags.has(tag))) return true;
  if (tags.has('never')) return false;
  if (selected.includes('all')) return true;
  if (selected.includes('tagged') && tags.size > 0) return true;
  if (selected.includes('untagged') && tags.size === 0) return true;
  return false;
}
