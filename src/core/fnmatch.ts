/**
 * Python's fnmatch.fnmatch on POSIX (case-sensitive): `*` and `?` match any character, `/` included; `[seq]`
 * and `[!seq]`; a `[` without its `]` is literal. Ansible matches apt's `name=1.2*`, unarchive's
 * include/exclude and setup's filter with it.
 */
export function fnmatch(text: string, pattern: string): boolean {
  let regex = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') regex += '.*';
    else if (c === '?') regex += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) regex += '\\[';
      else {
        let set = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (set.startsWith('!')) set = `^${set.slice(1)}`;
        else if (set.startsWith('^')) set = `\\${set}`;
        regex += `[${set}]`;
        i = end;
      }
    } else regex += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${regex}$`, 's').test(text);
}
