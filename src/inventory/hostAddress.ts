/**
 * Host names as ansible-core reads them: `host:port`, `[v6addr]:port`, and ranges such as `web[01:03]`,
 * `db-[a:c]`, `h[1:10:2]` (parse_address and expand_hostname_range in ansible-core).
 */

const numericRange = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const hexRange = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const alnumRange = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const v6 = String.raw`(?:[0-9a-f]{1,4}|${hexRange})`;
const v4 = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${numericRange})`;
const label = String.raw`(?:[\p{L}\p{N}_]|${alnumRange})(?:[\p{L}\p{N}_-]|${alnumRange})*(?<![_-])`;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const IPV4 = new RegExp(String.raw`^(?:${v4}\.){3}${v4}$`, 'i');
// ansible-core's pattern anchors `$` only on its last alternative; kept so the same strings are accepted
const IPV6 = new RegExp(
  '^(?:' +
    [
      String.raw`(?:${v6}:){7}${v6}`,
      String.raw`(?:${v6}:){1,6}:`,
      String.raw`(?:${v6}:)(?::${v6}){1,6}`,
      String.raw`(?:${v6}:){2}(?::${v6}){1,5}`,
      String.raw`(?:${v6}:){3}(?::${v6}){1,4}`,
      String.raw`(?:${v6}:){4}(?::${v6}){1,3}`,
      String.raw`(?:${v6}:){5}(?::${v6}){1,2}`,
      String.raw`(?:${v6}:){6}(?::${v6})`,
      String.raw`:(?::${v6}){1,6}`,
      String.raw`${v6}?::`,
      String.raw`(?:0:){6}(?:${v6}\.){3}${v6}`,
      String.raw`::(?:ffff:)?(?:${v6}\.){3}${v6}`,
      String.raw`(?:0:){5}ffff:(?:${v6}\.){3}${v6}$`,
    ].join('|') +
    ')',
  'i',
);
const HOSTNAME = new RegExp(String.raw`^${label}(?:\.${label})*$`, 'iu');
// The same for ASCII-only names (on ASCII text \p{L} and \p{N} are [a-z] and [0-9]): the Unicode pattern costs
// milliseconds to compile, paid at start-up for `localhost` otherwise.
const asciiLabel = String.raw`(?:[a-z0-9_]|${alnumRange})(?:[a-z0-9_-]|${alnumRange})*(?<![_-])`;
const ASCII_HOSTNAME = new RegExp(String.raw`^${asciiLabel}(?:\.${asciiLabel})*$`, 'i');
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Splits an address into host and port; `undefined` when it is not a valid network name (path-like
 * names such as `/var/tmp/live` are then taken literally by the caller, as Ansible does).
 */
export function parseAddress(address: string, allowRanges: boolean): { host: string; port?: number } | undefined {
  let rest = address;
  let port: number | undefined;
  for (const pattern of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const match = pattern.exec(rest);
    if (match) {
      rest = match[1]!;
      port = Number(match[2]);
    }
  }
  const hostname = ASCII.test(rest) ? ASCII_HOSTNAME : HOSTNAME;
  if (![hostname, IPV4, IPV6].some((pattern) => pattern.test(rest))) return undefined;
  if (!allowRanges && rest.includes('[')) return undefined;
  return port === undefined ? { host: rest } : { host: rest, port };
}

/** ansible-core's `_expand_hostpattern`: the host names a host-line token stands for, and its port. */
export function expandHostPattern(token: string): { hosts: string[]; port?: number } {
  const address = parseAddress(token, true);
  const pattern = address?.host ?? token;
  const hosts = pattern.includes('[') ? expandHostRange(pattern) : [pattern];
  return address?.port === undefined ? { hosts } : { hosts, port: address.port };
}

/** More hosts than one host line may stand for: a typo like web[1:99999999] ends with an error, not out of memory. */
const MAX_RANGE_HOSTS = 100_000;

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Expands the first `[begin:end(:step)]` in `name`, then the rest recursively. Throws with Ansible's words. */
function expandHostRange(name: string): string[] {
  const open = name.indexOf('[');
  const close = name.indexOf(']', open);
  if (close < 0) throw new Error(`host range in '${name}' has no closing ']'`);
  const head = name.slice(0, open);
  const tail = name.slice(close + 1);
  const bounds = name.slice(open + 1, close).split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new Error('host range must be begin:end or begin:end:step');
  const begin = bounds[0] || '0';
  const end = bounds[1]!;
  const step = bounds.length === 3 ? Number.parseInt(bounds[2]!, 10) : 1;
  if (!end) throw new Error('host range must specify end value');
  if (!(step > 0)) throw new Error('host range step must be a positive number');
  let fill = (n: number | string): string => String(n);
  if (begin[0] === '0' && begin.length > 1) {
    if (begin.length !== end.length) throw new Error('host range must specify equal-length begin and end formats');
    fill = (n) => String(n).padStart(begin.length, '0');
  }
  const sequence: string[] = [];
  const letterBegin = begin.length === 1 ? LETTERS.indexOf(begin) : -1;
  const letterEnd = end.length === 1 ? LETTERS.indexOf(end) : -1;
  if (letterBegin >= 0 && letterEnd >= 0) {
    if (letterBegin > letterEnd) throw new Error('host range must have begin <= end');
    for (let i = letterBegin; i <= letterEnd; i += step) sequence.push(LETTERS[i]!);
  } else {
    const from = Number.parseInt(begin, 10);
    const to = Number.parseInt(end, 10);
    if (!/^\d+$/.test(begin) || !/^\d+$/.test(end)) throw new Error(`host range '[${bounds.join(':')}]' is not numeric or alphabetic`);
    if ((to - from) / step >= MAX_RANGE_HOSTS) throw new Error(`host range '[${bounds.join(':')}]' stands for more than ${MAX_RANGE_HOSTS} hosts`);
    for (let i = from; i <= to; i += step) sequence.push(fill(i));
  }
  return sequence.flatMap((part) => {
    const expanded = head + part + tail;
    return expanded.includes('[') ? expandHostRange(expanded) : [expanded];
  });
}
