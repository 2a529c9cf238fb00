// The persistent nspawn container's control files (command scripts, FIFOs), opened safely from the controller.
import { closeSync, constants, openSync } from 'node:fs';
import { Socket, type SocketConstructorOpts } from 'node:net';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = constants;

/*
 * Every control file is opened from the controller through a folder fd of SHELL_DIR, walked one component
 * at a time with O_NOFOLLOW from /proc/LEADER/root: a path walked through that magic link resolves an
 * absolute symlink against the CONTROLLER's root, so a link planted by a command in the container (a
 * hostile package) must never be followed. Files are created with O_EXCL and FIFOs checked to be FIFOs.
 */

/** An fd of `folder` (absolute, inside the container whose root is `root`), no symlink followed on the way. */
export function openFolderNoFollow(root: string, folder: string): number {
  let fd = openSync(root, O_RDONLY | O_DIRECTORY);
  for (const part of folder.split('/').filter(Boolean)) {
    try {
      const next = openSync(`/proc/self/fd/${fd}/${part}`, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      closeSync(fd);
      fd = next;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }
  return fd;
}

/** `open()`, with a symlink or a stranger's file at a control file's name said plainly. */
export function refuseLinks(insidePath: string, open: () => number): number {
  try {
    return open();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ELOOP' && code !== 'EEXIST') throw error;
    throw new Error(`the container's ${insidePath} was replaced inside the container (${code === 'ELOOP' ? 'a symlink' : 'a file already there'}); playtree does not follow it`);
  }
}

/**
 * A socket on one end of a FIFO. The options already hold the values net.Socket sets on its copy of them
 * (the same values, so nothing changes): adding them to that copy gave every socket (three per command) new
 * hidden classes under Node 20, which kept each command's objects alive until a full garbage collection.
 */
export function fifoSocket(fd: number, direction: 'read' | 'write'): Socket {
  const reads = direction === 'read';
  return new Socket({ fd, readable: reads, writable: !reads, allowHalfOpen: false, emitClose: false, autoDestroy: true, decodeStrings: false } as SocketConstructorOpts);
}
