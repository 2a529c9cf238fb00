import { posix } from 'node:path';

/** The find module's listing: what the target's find and stat printed, as Ansible's per-entry stat dicts. */

export interface FoundEntry {
  /** The path as Ansible reports it (normalised). */
  path: string;
  /** Base name (what patterns match). */
  name: string;
  /** 1 for a folder's own entries, 2 below them... */
  depth: number;
  type: 'file' | 'directory' | 'link' | 'other';
  /** Ansible's find result for the entry (statinfo plus path). */
  stat: Record<string, unknown>;
}

export interface FindRoot {
  path: string;
  entries: FoundEntry[];
}

export interface FindListing {
  roots: FindRoot[];
  /** Paths that are not folders. */
  skipped: string[];
}

/** Parse `D\0ROOT\0` (then `NAME\0FIELDS\0` records) and `S\0PATH\0` sections. */
export function parseFindListing(output: Buffer): FindListing {
  const tokens = output.toString('utf8').split('\0');
  const listing: FindListing = { roots: [], skipped: [] };
  let root: FindRoot | undefined;
  for (let i = 0; i + 1 < tokens.length; ) {
    const token = tokens[i]!;
    if (token === 'D' || token === 'S') {
      const path = tokens[i + 1]!;
      if (token === 'S') {
        listing.skipped.push(path);
        root = undefined;
      } else {
        root = { path, entries: [] };
        listing.roots.push(root);
      }
      i += 2;
      continue;
    }
    if (root) root.entries.push(foundEntry(root.path, token, tokens[i + 1]!));
    i += 2;
  }
  return listing;
}

function foundEntry(rootPath: string, name: string, fields: string): FoundEntry {
  const [modeHex = '0', uid, gid, size, atime, mtime, ctime, nlink, inode, dev, owner = '', group = ''] = fields.split(' ');
  const raw = parseInt(modeHex, 16);
  const format = raw & 0o170000;
  const m = raw & 0o7777;
  const bit = (mask: number) => (m & mask) !== 0;
  const path = posix.normalize(name);
  const relative = posix.relative(posix.normalize(rootPath), path);
  const type = format === 0o100000 ? 'file' : format === 0o040000 ? 'directory' : format === 0o120000 ? 'link' : 'other';
  const stat: Record<string, unknown> = {
    path,
    mode: m.toString(8).padStart(4, '0'),
    isdir: format === 0o040000,
    ischr: format === 0o020000,
    isblk: format === 0o060000,
    isreg: format === 0o100000,
    isfifo: format === 0o010000,
    islnk: format === 0o120000,
    issock: format === 0o140000,
    uid: Number(uid),
    gid: Number(gid),
    size: Number(size),
    inode: Number(inode),
    dev: Number(dev),
    nlink: Number(nlink),
    atime: Number(atime),
    mtime: Number(mtime),
    ctime: Number(ctime),
    // stat says UNKNOWN for an id the target does not name; Ansible's find leaves the name empty.
    gr_name: group === 'UNKNOWN' ? '' : group,
    pw_name: owner === 'UNKNOWN' ? '' : owner,
    wusr: bit(0o200), rusr: bit(0o400), xusr: bit(0o100),
    wgrp: bit(0o020), rgrp: bit(0o040), xgrp: bit(0o010),
    woth: bit(0o002), roth: bit(0o004), xoth: bit(0o001),
    isuid: bit(0o4000), isgid: bit(0o2000),
  };
  return { path, name: posix.basename(path), depth: relative.split('/').length, type, stat };
}

/**
 * os.walk's top-down order from find's: a folder's non-folders, then its folders, each in the order find
 * met them, then each folder's own entries in turn.
 */
export function walkOrder(entries: FoundEntry[]): FoundEntry[] {
  const byParent = new Map<string, FoundEntry[]>();
  let top = '';
  for (const entry of entries) {
    const parent = posix.dirname(entry.path);
    if (entry.depth === 1) top = parent;
    const siblings = byParent.get(parent) ?? [];
    siblings.push(entry);
    byParent.set(parent, siblings);
  }
  const ordered: FoundEntry[] = [];
  const visit = (folder: string) => {
    const children = byParent.get(folder) ?? [];
    // A link find followed (follow: true) has entries beneath it: it is walked as a folder, as os.walk does.
    const isFolder = (child: FoundEntry) => child.type === 'directory' || byParent.has(child.path);
    const folders = children.filter(isFolder);
    ordered.push(...children.filter((child) => !isFolder(child)), ...folders);
    for (const child of folders) visit(child.path);
  };
  if (entries.length) visit(top);
  return ordered;
}
