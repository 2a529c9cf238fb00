/**
 * Debian version comparison (deb-version(7)), as `dpkg --compare-versions` does, so the apt module can judge
 * `name>=version` against the installed version on the controller without another round trip.
 */

interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

export function parseDebianVersion(text: string): DebianVersion {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(trimmed.slice(0, colon)) ? Number(trimmed.slice(0, colon)) : 0;
  const rest = colon > 0 ? trimmed.slice(colon + 1) : trimmed;
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) } : { epoch, upstream: rest, revision: '' };
}

/** dpkg's character order: `~` before everything (even the end), then the end, then letters, then the rest. */
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp: alternate runs of non-digits (compared by `order`) and digits (compared as numbers). */
function comparePart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !/\d/.test(a[i]!)) || (j < b.length && !/\d/.test(b[j]!))) {
      const ac = i < a.length && !/\d/.test(a[i]!) ? a[i] : undefined;
      const bc = j < b.length && !/\d/.test(b[j]!) ? b[j] : undefined;
      const diff = order(ac) - order(bc);
      if (diff !== 0) return Math.sign(diff);
      i++;
      j++;
    }
    let an = '';
    let bn = '';
    while (i < a.length && /\d/.test(a[i]!)) an += a[i++];
    while (j < b.length && /\d/.test(b[j]!)) bn += b[j++];
    const diff = BigInt(an || '0') - BigInt(bn || '0');
    if (diff !== 0n) return diff > 0n ? 1 : -1;
  }
  return 0;
}

/** -1, 0 or 1 as `a` sorts before, equal to or after `b`. */
export function compareDebianVersions(a: string, b: string): number {
  const va = parseDebianVersion(a);
  const vb = parseDebianVersion(b);
  if (va.epoch !== vb.epoch) return va.epoch > vb.epoch ? 1 : -1;
  return comparePart(va.upstream, vb.upstream) || comparePart(va.revision, vb.revision);
}
