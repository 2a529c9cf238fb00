import type { PathState } from './remoteFile.js';

/** The stat module's helpers that need no target: lsattr's answer, and a file type guess without `file`. */

const ATTRIBUTE_NAMES: Record<string, string> = {
  A: 'noatime', a: 'append', c: 'compressed', C: 'nocow', d: 'nodump', D: 'dirsync', e: 'extents', E: 'encrypted', h: 'blocksize',
  i: 'immutable', I: 'indexed', j: 'journalled', N: 'inline', s: 'zero', S: 'synchronous', t: 'notail', T: 'blockroot',
  u: 'undelete', X: 'compressedraw', Z: 'compresseddirty',
};

/** `lsattr -vd`'s `VERSION FLAGS PATH` as Ansible's version, attr_flags and attributes (defaults when absent). */
export function statAttributes(line: string): { version: string | null; attributes: string[]; attr_flags: string } {
  const words = line.trim().split(/\s+/);
  if (words.length < 3) return { version: null, attributes: [], attr_flags: '' };
  const flags = words[1]!.replaceAll('-', '');
  return { version: words[0]!, attr_flags: flags, attributes: [...flags].filter((f) => f in ATTRIBUTE_NAMES).map((f) => ATTRIBUTE_NAMES[f]!) };
}

const INODE_TYPES: Partial<Record<PathState['type'], string>> = {
  directory: 'inode/directory', link: 'inode/symlink', chardev: 'inode/chardevice', blockdev: 'inode/blockdevice', fifo: 'inode/fifo', socket: 'inode/socket',
};

/** What `file --mime-type --mime-encoding` would most likely say, from the type and the first bytes. */
export function fileTypeGuess(state: PathState, sample: Buffer): { mimetype: string; charset: string } {
  const inode = INODE_TYPES[state.type];
  if (inode) return { mimetype: inode, charset: 'binary' };
  if (state.size === 0) return { mimetype: 'inode/x-empty', charset: 'binary' };
  if (!sample.length || sample.includes(0)) return { mimetype: 'application/octet-stream', charset: 'binary' };
  if (sample.every((byte) => byte < 0x80)) return { mimetype: 'text/plain', charset: 'us-ascii' };
  // A sample cut inside a multi-byte character still counts as UTF-8.
  const text = new TextDecoder('utf-8', { fatal: false }).decode(sample);
  const bad = [...text.slice(0, -1)].includes('\uFFFD');
  return bad ? { mimetype: 'application/octet-stream', charset: 'binary' } : { mimetype: 'text/plain', charset: 'utf-8' };
}
