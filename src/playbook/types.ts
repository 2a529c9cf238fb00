import type { SourcePosition } from '../core/errors.js';

/**
 * Plays, blocks, tasks and roles as plain data, each with the place it was written. Values that may hold
 * Jinja2 (`when`, args, vars, loop...) are kept raw: the engine templates them when it runs them.
 */

/** Keywords shared by plays, blocks, tasks and roles (Ansible's "Base"/"Conditional"/"Taggable" keywords). */
export interface CommonKeywords {
  name?: string;
  /** `when` conditions, ANDed; each a bare expression string or a boolean. */
  when: Array<string | boolean>;
  tags: string[];
  vars: Record<string, unknown>;
  environment?: Record<string, unknown> | string;
  become?: boolean | string;
  becomeUser?: string;
  /** `become_method`: sudo, su or runuser (playtree's own). */
  becomeMethod?: string;
  /** `remote_user`: the connection's user unless ansible_user says otherwise. */
  remoteUser?: string;
  /** `port`: the connection's port (ansible_port's default) unless ansible_port says otherwise. */
  port?: number | string;
  ignoreErrors?: boolean | string;
  anyErrorsFatal?: boolean;
  runOnce?: boolean | string;
  connection?: string;
  checkMode?: boolean | string;
  diff?: boolean | string;
  /** `no_log`: on plays and blocks it applies to every task inside; a template is decided per task (and item). */
  noLog?: boolean | string;
  /** `module_defaults`: module name (as written) → default arguments. */
  moduleDefaults?: Record<string, Record<string, unknown>>;
  /** `throttle`: at most this many hosts run the task at once (0: no limit but forks). */
  throttle?: number | string;
  /** Where this was written (the file and the line of the `- name:`/first key). */
  position: SourcePosition;
}

export interface Task extends CommonKeywords {
  kind: 'task';
  /** Module name as written (`copy`, `ansible.builtin.copy`, `include_tasks`, `meta`...). */
  action: string;
  /** Arguments: a mapping, or the free-form string after the module name (`shell: echo hi`). */
  args: Record<string, unknown> | string;
  /** Position of the module key (errors about arguments point here). */
  actionPosition: SourcePosition;
  loop?: unknown;
  /** `with_items`, `with_dict`...: the lookup name (`items`), when the loop came from a with_ keyword. */
  loopWith?: string;
  loopControl?: { loopVar?: string; indexVar?: string; label?: string; pause?: number; extended?: boolean; extendedAllitems?: boolean };
  register?: string;
  notify: string[];
  /** Handlers only: `listen` topics. */
  listen: string[];
  changedWhen?: Array<string | boolean>;
  failedWhen?: Array<string | boolean>;
  delegateTo?: string;
  /** `delegate_facts`: facts the task sets (set_fact, setup) go to the delegated host. */
  delegateFacts?: boolean | string;
  until?: Array<string | boolean>;
  retries?: number | string;
  delay?: number | string;
  /** The role this task came from, if any (its files/templates folders are searched first). */
  role?: Role;
  /** include_tasks/include_role `apply:`: keywords given to the included tasks, as a block around them would. */
  apply?: CommonKeywords;
  /** `apply:`'s notify, delegate_to and delegate_facts: given to each included task that lacks its own. */
  applyToTasks?: { notify: string[]; delegateTo?: string; delegateFacts?: boolean | string };
}

export interface Block extends CommonKeywords {
  kind: 'block';
  block: TaskItem[];
  rescue: TaskItem[];
  always: TaskItem[];
  role?: Role;
  /** An import_role's block (not a dependency's): the role is told who imported it. */
  importsRole?: boolean;
}

export type TaskItem = Task | Block;

export interface Role {
  name: string;
  /** The role's folder. */
  path: string;
  tasks: TaskItem[];
  handlers: TaskItem[];
  /** defaults/main.yml (lowest precedence). */
  defaults: Record<string, unknown>;
  /** vars/main.yml. */
  vars: Record<string, unknown>;
  /** meta/main.yml dependencies (their vars and defaults are the role's too, below its own). */
  dependencies?: Role[];
}

/** A role as listed in a play's `roles:` (name plus keywords/params). */
export interface RoleReference extends CommonKeywords {
  role: Role;
  /** Role params (`- { role: x, port: 1 }` / `vars:`), high precedence. */
  params: Record<string, unknown>;
}

/**
 * A play. Its `when` is always empty unless it came from `import_playbook` with a `when`: Ansible then
 * ANDs that condition into every task of the play (evaluated per host), and so must the engine.
 */
export interface Play extends CommonKeywords {
  hosts: string | string[];
  gatherFacts: boolean | string;
  /** `gather_subset`, `gather_timeout`, `fact_path`: the arguments of the play's Gathering Facts (setup). */
  gatherArgs: Record<string, unknown>;
  varsFiles: Array<string | string[]>;
  preTasks: TaskItem[];
  roles: RoleReference[];
  tasks: TaskItem[];
  postTasks: TaskItem[];
  handlers: TaskItem[];
  /** `strategy`, `serial`, `order`... are rejected at load time unless supported. */
  forceHandlers?: boolean;
  maxFailPercentage?: number;
  /** `serial`: batch sizes (numbers, "N%" or templates); the last one repeats. */
  serial?: Array<number | string>;
  /** Roles the play loaded (path and params): a dependency of an included role already among them is not run again. */
  rolesSeen?: Set<string>;
  /** `order` of the play's hosts, when not the inventory's: reverse_inventory, sorted, reverse_sorted, shuffle or a template. */
  order?: string;
  /** The playbook file this play was written in (import_playbook may bring plays from other files). */
  file: string;
}

export interface Playbook {
  /** Absolute path of the top playbook. */
  file: string;
  /** Folder of the top playbook (`playbook_dir`). */
  dir: string;
  /** Plays in order, `import_playbook` expanded. */
  plays: Play[];
  /** Ansible-style load warnings (duplicate YAML keys...), one line each, for the CLI to print. */
  warnings?: string[];
}
