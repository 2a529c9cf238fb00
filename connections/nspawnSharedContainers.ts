import type { RunningContainer } from './nspawnContainer.js';

/*
 * One container per tree within a playtree run: connections that would start the very same container
 * (same tree, same systemd-nspawn arguments) share it instead of failing on its lock, e.g. a second
 * connection for another `ansible_user`, or two inventory names for one tree. The last one out stops it.
 */

interface Shared {
  container: Promise<RunningContainer>;
  users: number;
}

const shared = new Map<string, Shared>();

/** A lease on a running container: `release` stops it once no other connection holds it. */
export interface ContainerLease {
  container: RunningContainer;
  release: () => Promise<void>;
}

/**
 * The running container for `key`, or a new one from `start` (called only when none runs; `start` checks
 * preconditions and the tree's lock itself).
 */
export async function leaseContainer(key: string, start: () => Promise<RunningContainer>): Promise<ContainerLease> {
  let entry = shared.get(key);
  if (entry && !(await entry.container.then((c) => c.running(), () => false))) {
    if (shared.get(key) === entry) shared.delete(key);
    entry = undefined;
  }
  entry ??= shared.get(key);
  if (!entry) {
    entry = { container: start(), users: 0 };
    shared.set(key, entry);
  }
  const current = entry;
  current.users += 1;
  let container: RunningContainer;
  try {
    container = await current.container;
  } catch (error) {
    current.users -= 1;
    if (shared.get(key) === current) shared.delete(key);
    throw error;
  }
  let released = false;
  return {
    container,
    release: async () => {
      if (released) return;
      released = true;
      current.users -= 1;
      if (current.users > 0) return;
      if (shared.get(key) === current) shared.delete(key);
      await container.stop();
    },
  };
}
