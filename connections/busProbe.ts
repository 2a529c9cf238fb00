import { existsSync, readFileSync } from 'node:fs';
import type { HostProbe } from './nspawnArgv.js';

/** What the controller shows about its init system and system bus (the facts, read from the filesystem). */
export interface BusFacts {
  /** /run/systemd/system exists: systemd is the running init (sd_booted). */
  systemdBooted: boolean;
  /** /proc/1/comm, e.g. `systemd`, or a container's stand-in init. */
  pid1Name: string;
  /** /run/dbus/system_bus_socket exists. */
  busSocket: boolean;
}

/**
 * systemd-nspawn registers with machined and creates a scope unit over the system bus. Both need systemd as
 * PID 1 and a bus listening: in CI containers and sandboxes one of them is missing.
 */
export function systemBusReachable(facts: BusFacts): boolean {
  return facts.systemdBooted && facts.pid1Name === 'systemd' && facts.busSocket;
}

export function readBusFacts(): BusFacts {
  let pid1Name = '';
  try {
    pid1Name = readFileSync('/proc/1/comm', 'utf8').trim();
  } catch {
    // No /proc/1 visible (unusual sandboxes): treat as "not systemd".
  }
  return {
    systemdBooted: existsSync('/run/systemd/system'),
    pid1Name,
    busSocket: existsSync('/run/dbus/system_bus_socket'),
  };
}

let probed: HostProbe | undefined;

/** The controller's system bus, looked at once per run (every host's connection asks). */
export function probeHost(): HostProbe {
  probed ??= { systemBus: systemBusReachable(readBusFacts()) };
  return probed;
}
