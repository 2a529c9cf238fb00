import type { Connection } from './connection.js';

/*
 * What must not outlive playtree: connections holding something (a running container, its tree lock) and
 * commands running as controller processes (a local or chroot shell, a per-command systemd-nspawn).
 * Drivers add them when they start and remove them when they end; the CLI drains both sets when it is
 * interrupted (SIGINT, SIGTERM) or crashes, before exiting: commands first, then connections.
 */
/** Connections, and what else holds something until closed (a playtree_via build host: its lock, its temporary folder). */
const open = new Set<{ close(): Promise<void> }>();
const running = new Set<() => Promise<void>>();

/** Register how to stop a command that is running; call the function returned once it has ended. */
export function trackRunningCommand(stop: () => Promise<void>): () => void {
  running.add(stop);
  return () => running.delete(stop);
}

export function trackOpenConnection(connection: Connection | { close(): Promise<void> }): void {
  open.add(connection);
}

export function untrackOpenConnection(connection: Connection | { close(): Promise<void> }): void {
  open.delete(connection);
}

export function openConnectionCount(): number {
  return open.size;
}

/** Connections others ride on (a playtree_via carrier): closed after the rest, see closeOpenConnections. */
const carriers = new WeakSet<object>();

/** `connection` carries others (their commands go through it): close it only after them. */
export function closeAfterOthers(connection: Connection): void {
  carriers.add(connection);
}

/**
 * Stop every running command, then close every tracked connection, each all at once, carriers last: a build
 * host's lock holder ends through its carrier, and an ssh carrier closed at the same time would cut it off
 * with the lock file still there. One failing stop or close does not keep the others going.
 */
export async function closeOpenConnections(): Promise<void> {
  const stopping = [...running];
  running.clear();
  await Promise.allSettled(stopping.map((stop) => stop()));
  const closing = [...open];
  open.clear();
  const last = closing.filter((connection) => carriers.has(connection));
  await Promise.allSettled(closing.filter((connection) => !carriers.has(connection)).map((connection) => connection.close()));
  await Promise.allSettled(last.map((connection) => connection.close()));
}
