import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { childrenOf } from '../../connections/processTree.js';

/*
 * Shared by the playtree_via tests (trees-e2e-via*.test.ts): the play they run on trees reached through a
 * build host's connection, its files, and what they check afterwards. Not a test file itself.
 */

export const PLAY = `- hosts: trees
  gather_facts: false
  tasks:
    - command: cat /etc/debian_version
      register: version
      changed_when: false
    - file: path=/srv/via state=directory mode=0755
    - copy: src=blob.bin dest=/srv/via/blob.bin mode=0640
    - copy: src=folder/ dest=/srv/via/folder/
    - template: src=hello.j2 dest=/srv/via/hello.txt
    - fetch: src=/srv/via/blob.bin dest=fetched/{{ inventory_hostname }}.bin flat=true
`;

export const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

/** The run lock file a tree would have on this machine (/run/playtree/locks/tree-DEV:INO). */
export async function lockFileOf(tree: string): Promise<string> {
  const info = await stat(tree);
  return `/run/playtree/locks/tree-${info.dev}:${info.ino}`;
}

/** The pids of processes whose command line (NUL-separated) contains `text`. */
export async function processesRunning(text: string): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const found: string[] = [];
  for (const pid of pids) {
    const line = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (line.includes(text)) found.push(pid);
  }
  return found;
}

/** A scratch folder for playtree: the play, a 3 MB binary file, a template, and TMPDIR for the build host. */
export async function writeWork(scratch: string, inventory: string): Promise<string> {
  await writeFile(join(scratch, 'hosts.ini'), inventory);
  await writeFile(join(scratch, 'play.yml'), PLAY);
  await writeFile(join(scratch, 'blob.bin'), randomBytes(3 * 1024 * 1024));
  // A folder's files stream into a command each, as a single file's copy does.
  await mkdir(join(scratch, 'folder'));
  await writeFile(join(scratch, 'folder/inner.bin'), randomBytes(1024 * 1024));
  await writeFile(join(scratch, 'hello.j2'), 'hello from {{ inventory_hostname }}\n');
  const tmp = join(scratch, 'buildhost-tmp');
  await mkdir(tmp);
  return tmp;
}

/** The runs' folders on this machine as build host (connections/viaRunScripts.ts), by name. */
export async function viaRunFolders(): Promise<string[]> {
  return readdir('/run/playtree/via').catch(() => [] as string[]);
}

/** The folders of runs whose lifeline is gone (PID.START.TOKEN: no live process PID started at START). */
export async function deadRunFolders(): Promise<string[]> {
  const dead: string[] = [];
  for (const name of await viaRunFolders()) {
    const [pid, start] = name.split('.');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[19] !== start) dead.push(name);
  }
  return dead;
}

/**
 * The folder (full path) of the run playtree `pid` is making on this machine through the local carrier: its
 * lifeline is one of playtree's children. Undefined when there is none (yet).
 */
export async function runFolderOf(pid: number): Promise<string | undefined> {
  const children = childrenOf(pid).map(String);
  const name = (await viaRunFolders()).find((folder) => children.includes(folder.split('.')[0]!));
  return name === undefined ? undefined : join('/run/playtree/via', name);
}
