import type { Inventory } from '../inventory/index.js';
import type { Play, Playbook } from '../playbook/types.js';
import type { EngineEvents } from './events.js';
import { groupNamesOf, hostVariables } from '../inventory/index.js';
import { newHostState, type HostState } from './hostState.js';

/** What the user asked for on the command line (and ansible.cfg), as the engine needs it. */
export interface RunOptions {
  check: boolean;
  diff: boolean;
  /** `--force-handlers` (or ansible.cfg force_handlers): the default of the play keyword. */
  forceHandlers?: boolean;
  forks: number;
  verbosity: number;
  extraVars: Record<string, unknown>;
  tags: string[];
  skipTags: string[];
  limit?: string;
  /** `-c`: the connection of hosts that set no ansible_connection and plays that set no `connection:`. */
  connection?: string;
  startAtTask?: string;
  /** ansible.cfg sections, handed to connection drivers. */
  config: Record<string, Record<string, string>>;
  /** ansible.cfg roles_path. */
  rolesPath: string[];
  /** ansible.cfg [defaults] executable. */
  executable?: string;
  /** ansible.cfg gather_subset, gather_timeout, fact_path: Gathering Facts' arguments unless the play sets them. */
  gatherDefaults?: Record<string, string>;
  /** ansible.cfg inject_facts_as_vars (default true): facts are also `ansible_*` variables, not only `ansible_facts`. */
  injectFactsAsVars?: boolean;
  /** -b/--become, --become-user, --become-method (else ansible.cfg): defaults; keywords and ansible_become* win. */
  become?: boolean;
  becomeUser?: string;
  becomeMethod?: string;
  /** -K: the password sudo is given when it asks for one. */
  becomePassword?: string;
  /** -u/--user (else ansible.cfg remote_user): the default of `remote_user`; ansible_user wins. */
  remoteUser?: string;
  /** --private-key (else ansible.cfg private_key_file): the default of ansible_private_key_file. */
  privateKeyFile?: string;
  /** -T/--timeout (else ansible.cfg timeout): the default of ansible_timeout, in seconds. */
  timeout?: number;
  /** --step: asked before each task (`TASK: name`, `HANDLER: name`); false skips the task. */
  confirmTask?: (label: string) => Promise<boolean>;
}

/** --step: whether the user lets the task labelled `TASK: name` / `HANDLER: name` run (always, without --step). */
export function confirmedByStep(run: { options: RunOptions }, label: string): Promise<boolean> {
  const confirm = run.options.confirmTask;
  return confirm ? confirm(label) : Promise.resolve(true);
}

/** Everything shared by the plays of one run. */
export interface RunContext {
  options: RunOptions;
  inventory: Inventory;
  playbook: Playbook;
  events: EngineEvents;
  hosts: Map<string, HostState>;
  /** `groups`: every group's hosts, worked out again when group_by or add_host change the inventory. */
  groups: Record<string, string[]>;
  /** `--start-at-task`: still looking for the task to start at. */
  startPending: boolean;
  /** any_errors_fatal fired: no further plays. */
  aborted: boolean;
}

/** One play being run. */
export interface PlayContext {
  run: RunContext;
  play: Play;
  /** Play vars and vars_files, templated lazily like all vars. */
  playVars: Record<string, unknown>;
  varsFilesVars: Record<string, unknown>;
  /** The hosts this play (this batch, with `serial`) runs on, in order. */
  hosts: string[];
  /** With `serial`: every host of the play (`ansible_play_hosts_all`); else the same as `hosts`. */
  playHosts?: string[];
  /**
   * The play's roles (`roles:`, import_role, their dependencies, a `public` include_role once run): with
   * ansible-core's default (private_role_vars off) their defaults and vars are seen by every task of the play.
   */
  playRoles: import('../playbook/types.js').Role[];
  /** Handlers of the play and of its roles, in order. */
  handlers: import('./handlerList.js').Handler[];
}

/**
 * The run's state of host `name`, made on first use: for the hosts of the plays, and for a host facts
 * are delegated to (`delegate_facts`), which may be one no play names, e.g. the implicit localhost.
 */
export function ensureHost(run: RunContext, name: string): HostState {
  let host = run.hosts.get(name);
  if (!host) {
    host = newHostState(name, hostVariables(run.inventory, name, { playbookDir: run.playbook.dir }), groupNamesOf(run.inventory, name));
    run.hosts.set(name, host);
  }
  return host;
}
