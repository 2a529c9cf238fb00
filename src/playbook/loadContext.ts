import type { SourcePosition } from '../core/errors.js';
import type { Role, TaskItem } from './types.js';

/*
 * The bottom of the loader: what a load is given and carries. The task-list parser (tasks.ts) sits above
 * the files that read task files (taskFile.ts, roles.ts, staticImports.ts): load.ts hands it down here.
 */

/** Parses a YAML task list into tasks and blocks (tasks.ts's parseTaskList, handed down by load.ts). */
export type TaskListParser = (value: unknown, ctx: LoadContext, at: SourcePosition) => Promise<TaskItem[]>;

/** What the caller of the loader supplies. */
export interface LoadOptions {
  /** Whether a module of this name (short or FQCN) exists; the engine supplies it from modules/index.ts. */
  isModule(name: string): boolean;
  /** Extra folders to look for roles in (ansible.cfg `roles_path`), after `roles/` beside the playbook. */
  rolesPath?: string[];
  /**
   * Called with each playbook folder and role folder before its tasks are read, so modules it ships
   * (`library/`) are known; returns warnings to print (plugins that cannot be used).
   */
  addPluginFolder?(folder: string, owner: string): string[];
  /** `-e` extra vars: static import names (`import_role: name: "{{ x }}"`) may use them. */
  extraVars?: Record<string, unknown>;
}

/** State threaded through one load: where we are, and what the load collected on the way. */
export interface LoadContext extends LoadOptions {
  /** The task-list parser, for the files a load reads (role tasks, imported task files). */
  parseTaskList: TaskListParser;
  /** Folder of the top playbook (`playbook_dir`): the last place relative files are looked for. */
  playbookDir: string;
  /** The role whose files are being read, if any: its tasks get `role` set. */
  role?: Role;
  /** Handler tasks are being read (they may have `listen`). */
  handlers: boolean;
  /** Inside a block of handlers: another block there is an error, as in ansible-core 2.14. */
  inHandlerBlock?: boolean;
  /** Files being imported, outermost first, to stop import loops. */
  importChain: string[];
  /** Handlers of roles brought in by import_role and meta dependencies: the play adds them to its own. */
  roleHandlers: TaskItem[];
  /** Roles already in this play (path + params), so a meta dependency runs once, as in Ansible. */
  rolesSeen: Set<string>;
  /** Play vars (and import_playbook vars) known at load time, for templated static import names. */
  loadVars?: Record<string, unknown>;
  /** Warnings collected on the way (duplicate YAML keys...). */
  warnings: string[];
}

export function newLoadContext(options: LoadOptions, playbookDir: string, parseTaskList: TaskListParser): LoadContext {
  return {
    parseTaskList,
    isModule: options.isModule,
    ...(options.addPluginFolder ? { addPluginFolder: options.addPluginFolder } : {}),
    ...(options.extraVars ? { extraVars: options.extraVars } : {}),
    rolesPath: options.rolesPath ?? [],
    playbookDir,
    handlers: false,
    importChain: [],
    roleHandlers: [],
    rolesSeen: new Set(),
    warnings: [],
  };
}

/**
 * A static import's name written as a template, rendered as ansible-core does at load time: with the
 * play's vars, import_playbook vars, extra vars, `playbook_dir` and the role's `role_path`/`role_name`.
 * Returns undefined (with the reason) when it cannot be rendered with those.
 */
export function loadTimeVariables(ctx: LoadContext): Record<string, unknown> {
  return {
    ...ctx.loadVars,
    playbook_dir: ctx.playbookDir,
    ...(ctx.role ? { role_path: ctx.role.path, role_name: ctx.role.name } : {}),
    ...ctx.extraVars,
  };
}
