import type { Connection } from './connection.js';

/*
 * Connections holding something that must not outlive playtree (a running container, its tree lock).
 * Drivers add themselves when they take such a thing and remove themselves when they release it; the
 * CLI drains the set when it is interrupted (SIGINT, SIGTERM) or crashes, before exiting.
 */
const open = new Set<Connection>();

export function trackOpenConnection(connection: Connection): void {
  open.add(connection);
}

export function untrackOpenConnection(connection: Connection): void {
  open.delete(connection);
}

export function openConnectionCount(): number {
  return open.size;
}

/** Close every tracked connection, all at once; one failing close does not keep the others open. */
export async function closeOpenConnections(): Promise<void> {
  const closing = [...open];
  open.clear();
  await Promise.allSettled(closing.map((connection) => connection.close()));
}
