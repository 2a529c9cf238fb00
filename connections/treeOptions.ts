import { isAbsolute, resolve } from 'node:path';
import { parse } from 'shell-quote';
import { ConnectionError } from '../src/core/errors.js';
import type { ConnectionOptions } from './connection.js';
import { pickOption, resolveExecutable } from './connectionSettings.js';

/** What every image-tree driver (chroot, nspawn) needs to know about its host, resolved once. */
export interface TreeSettings {
  host: string;
  /** Absolute path of the OS tree on the controller. */
  tree: string;
  /** Shell inside the tree that runs commands (`ansible_executable`). */
  shell: string;
  /** User inside the tree that runs commands; undefined = root (the driver's default). */
  user: string | undefined;
}

/**
 * The tree is `ansible_host`, else the inventory host name (so `/var/tmp/live ansible_connection=nspawn`
 * works as in Ansible). Relative paths resolve against the controller's working folder.
 * `ansible_python_interpreter` is accepted and ignored: playtree modules need no Python in the tree.
 */
export function resolveTreeSettings(options: ConnectionOptions, env: NodeJS.ProcessEnv): TreeSettings {
  const tree = pickOption(options, env, { variable: 'ansible_host' }) ?? options.host;
  const shell = resolveExecutable(options, env);
  if (!isAbsolute(shell)) {
    throw new ConnectionError(
      `${options.host}: ansible_executable '${shell}' must be an absolute path inside the tree (e.g. /bin/sh)`,
      options.host,
    );
  }
  const user = pickOption(options, env, { variable: 'ansible_user' });
  if (options.via && !isAbsolute(tree)) {
    throw new ConnectionError(
      `${options.host}: ansible_host '${tree}' must be an absolute path on build host ${options.via.host} (playtree_via)`,
      options.host,
    );
  }
  return { host: options.host, tree: options.via ? tree : resolve(tree), shell, user };
}

/**
 * Split a user's extra arguments as a shell would (quotes, backslashes), without expanding `$VAR` or globs,
 * as Ansible's shlex.split does. Pipes, redirections and `;` have no meaning here: they are refused.
 */
export function splitShellWords(text: string, host: string, what: string): string[] {
  const words: string[] = [];
  for (const entry of parse(text, (name) => `$${name}`)) {
    if (typeof entry === 'string') words.push(entry);
    else if ('pattern' in entry && entry.op === 'glob') words.push(entry.pattern);
    else {
      const shown = 'op' in entry ? entry.op : `#${(entry as { comment: string }).comment}`;
      throw new ConnectionError(
        `${host}: ${what} contains the shell operator '${shown}'; give plain arguments only (quote it if it is meant literally)`,
        host,
      );
    }
  }
  return words;
}
