import { createHash } from 'node:crypto';

/** A path's state on the target, as the file modules read it (remoteFile.ts with a command, treeStates.ts without). */

export type PathType = 'file' | 'directory' | 'link' | 'fifo' | 'socket' | 'chardev' | 'blockdev' | 'absent';

export interface PathState {
  path: string;
  exists: boolean;
  type: PathType;
  /** Permission bits only (07777). */
  mode: number;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  size: number;
  atime: number;
  mtime: number;
  ctime: number;
  nlink: number;
  inode: number;
  dev: number;
  /** Blocks allocated, the preferred I/O block size, and a device file's major and minor numbers (read in the same stat). */
  blocks: number;
  blockSize: number;
  deviceMajor: number;
  deviceMinor: number;
  /** For symlinks: what the link says, and the fully resolved path (`readlink -f`). */
  linkTarget?: string;
  realPath?: string;
  /** Hex digest of a regular file, when asked for. */
  checksum?: string;
  /** The file's bytes, when asked for and the file is at most `contentLimit` bytes. */
  content?: Buffer;
}

export type ChecksumAlgorithm = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512' | 'md5';

export interface StateOptions {
  /** Report what a symlink points to instead of the link itself (stat -L). */
  follow?: boolean;
  checksum?: ChecksumAlgorithm | false;
  /** Also send the bytes of regular files up to this size (-1 or absent: never). */
  contentLimit?: number;
}

export function absentState(path: string): PathState {
  return { path, exists: false, type: 'absent', mode: 0, uid: -1, gid: -1, owner: '', group: '', size: 0, atime: 0, mtime: 0, ctime: 0, nlink: 0, inode: 0, dev: 0, blocks: 0, blockSize: 0, deviceMajor: 0, deviceMinor: 0 };
}

export function typeFromMode(mode: number): PathType {
  switch (mode & 0o170000) {
    case 0o100000: return 'file';
    case 0o040000: return 'directory';
    case 0o120000: return 'link';
    case 0o010000: return 'fifo';
    case 0o140000: return 'socket';
    case 0o020000: return 'chardev';
    default: return 'blockdev';
  }
}

export function hashBuffer(data: Buffer, algorithm: ChecksumAlgorithm = 'sha1'): string {
  return createHash(algorithm).update(data).digest('hex');
}
