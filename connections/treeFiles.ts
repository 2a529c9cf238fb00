import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, type BigIntStats } from 'node:fs';

/*
 * A tree's files read from the controller, without a command: what a chroot's tree or a running container's
 * root (/proc/LEADER/root) holds, seen as the tree's own root user sees it. Reading a state here costs a few
 * system calls, where a command costs a round trip and a program (a `stat` in a container is ~1.5 ms on a
 * small VM, most of it the dynamic loader's start-up).
 *
 * Paths are resolved inside the tree, the way the kernel resolves them for a process chrooted there, but by
 * hand: one folder at a time through a file descriptor (/proc/self/fd/N/NAME), symlinks read and followed
 * against the tree's root, `..` never above it, and every folder opened with O_NOFOLLOW. So no symlink in the
 * tree, however it is made or swapped, ever leads the controller to a file of its own. Only reading: writes
 * stay with the commands.
 */

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;
/** Top folders a container mounts the kernel's file systems on: read there by a command only. */
const KERNEL_FOLDERS = new Set(['proc', 'sys', 'dev']);
/** As Linux: more symlinks than this in one path is ELOOP. */
const MAX_LINKS = 40;

/** The tree could not answer here (a loop of links, an error other than "missing"): ask a command instead. */
export class TreeFilesUnanswered extends Error {}

/** A path resolved to its last component: `name` inside the folder `folder` (an fd this module owns). */
interface Resolved {
  folder: number;
  name: string;
}

export class TreeFiles {
  private constructor(private rootFd: number) {}

  /** The files under `root` (a tree's folder, or /proc/PID/root: followed once, here). Close it when done. */
  static open(root: string): TreeFiles {
    return new TreeFiles(openSync(root, O_RDONLY | O_DIRECTORY));
  }

  /** open(), or undefined when the root cannot be opened: its files are then read with commands. */
  static tryOpen(root: string): TreeFiles | undefined {
    try {
      return TreeFiles.open(root);
    } catch {
      return undefined;
    }
  }

  close(): void {
    if (this.rootFd < 0) return;
    closeSync(this.rootFd);
    this.rootFd = -1;
  }

  /** lstat (or stat when `follow`) inside the tree; undefined when the path does not exist. */
  stat(path: string, follow: boolean): BigIntStats | undefined {
    return this.at(path, follow, (resolved) => lstatSync(procPath(resolved), { bigint: true, throwIfNoEntry: false }));
  }

  /** lstat of several entries of the folder `folder` (followed), resolved once; undefined for a missing one. */
  statEntries(folder: string, names: readonly string[]): Array<BigIntStats | undefined> {
    const found = this.at(folder, true, (resolved) => {
      const fd = openSync(procPath(resolved), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      try {
        return names.map((name) => lstatSync(procPath({ folder: fd, name }), { bigint: true, throwIfNoEntry: false }));
      } finally {
        closeSync(fd);
      }
    });
    return found ?? names.map(() => undefined);
  }

  /**
   * The bytes of the regular file at `path` (followed when `follow`), at most `limit` of them: undefined when
   * the file is bigger, is not a regular file, or is missing.
   */
  readFile(path: string, follow: boolean, limit: number): Buffer | undefined {
    return this.at(path, follow, (resolved) => {
      // Only a regular file is opened: a FIFO would block the controller, a device may act on being opened.
      const seen = lstatSync(procPath(resolved), { throwIfNoEntry: false });
      if (!seen?.isFile() || seen.size > limit) return undefined;
      let fd: number;
      try {
        fd = openSync(procPath(resolved), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw new TreeFilesUnanswered((error as Error).message);
      }
      try {
        const info = fstatSync(fd);
        if (!info.isFile() || info.ino !== seen.ino || info.dev !== seen.dev || info.size > limit) return undefined;
        return readWhole(fd, info.size, limit);
      } finally {
        closeSync(fd);
      }
    });
  }

  /** Resolve `path` and run `use` on its last component; undefined when a folder on the way is missing. */
  private at<T>(path: string, follow: boolean, use: (resolved: Resolved) => T): T | undefined {
    if (this.rootFd < 0) throw new TreeFilesUnanswered('the tree is closed');
    // The root stays open (it is this object's); the folders below it are opened for this path only.
    const folders = [this.rootFd];
    try {
      const resolved = this.resolve(path, follow, folders);
      return resolved && use(resolved);
    } catch (error) {
      if (error instanceof TreeFilesUnanswered) throw error;
      if (isMissing(error)) return undefined;
      throw new TreeFilesUnanswered((error as Error).message);
    } finally {
      for (const fd of folders.slice(1)) closeSync(fd);
    }
  }

  /**
   * Walk `path` from the root, keeping the folders passed in `folders` (open fds, the root first). The last
   * component is followed when it is a symlink and `follow` is set. Undefined when a folder on the way is
   * missing or is not a folder: the path does not exist.
   */
  private resolve(path: string, follow: boolean, folders: number[]): Resolved | undefined {
    const parts = components(path);
    let links = 0;
    while (parts.length > 0) {
      const part = parts.shift()!;
      if (part === '..') {
        if (folders.length > 1) closeSync(folders.pop()!);
        continue;
      }
      // What the kernel's own file systems show depends on who reads (/proc/self is the reader): the command.
      if (folders.length === 1 && KERNEL_FOLDERS.has(part)) throw new TreeFilesUnanswered(`${path} is in /${part}`);
      const resolved = { folder: folders[folders.length - 1]!, name: part };
      const info = lstatSync(procPath(resolved), { throwIfNoEntry: false });
      if (!info) return parts.length === 0 ? resolved : undefined;
      if (info.isSymbolicLink() && (parts.length > 0 || follow)) {
        if (++links > MAX_LINKS) throw new TreeFilesUnanswered(`too many levels of symbolic links in ${path}`);
        const target = readlinkSync(procPath(resolved));
        if (target.startsWith('/')) while (folders.length > 1) closeSync(folders.pop()!);
        parts.unshift(...components(target));
        continue;
      }
      if (parts.length === 0) return resolved;
      if (!info.isDirectory()) return undefined;
      // O_NOFOLLOW: a folder swapped for a symlink since the lstat fails here (ELOOP), it is never followed.
      folders.push(openSync(procPath(resolved), O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    }
    // The path names a folder itself (`/`, `/etc/..`).
    return { folder: folders[folders.length - 1]!, name: '.' };
  }
}

/** A path's components; the container's working folder is `/`, so a relative path starts there too. */
function components(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

function procPath(resolved: Resolved): string {
  return `/proc/self/fd/${resolved.folder}/${resolved.name}`;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function readWhole(fd: number, size: number, limit: number): Buffer | undefined {
  // The size may change while reading (a log being written): read until EOF, never past the limit.
  let buffer = Buffer.allocUnsafe(Math.max(size, 1));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length >= limit) return readSync(fd, Buffer.alloc(1), 0, 1, null) === 0 ? buffer : undefined;
      const bigger = Buffer.allocUnsafe(Math.min(limit, buffer.length * 2));
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    const read = readSync(fd, buffer, length, buffer.length - length, null);
    if (read === 0) return buffer.subarray(0, length);
    length += read;
  }
}
