import type { Role, TaskItem } from './types.js';

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
}

/** State threaded through one load: where we are, and what the load collected on the way. */
export interface LoadContext extends LoadOptions {
  /** Folder of the top playbook (`playbook_dir`): the last place relative files are looked for. */
  playbookDir: string;
  /** The role whose files are being read, if any: its tasks get `role` set. */
  role?: Role;
  /** Handler tasks are being read (they may have `listen`). */
  handlers: boolean;
  /** Files being imported, outermost first, to stop import loops. */
  importChain: string[];
  /** Handlers of roles brought in by import_role and meta dependencies: the play adds them to its own. */
  roleHandlers: TaskItem[];
  /** Roles already in this play (path + params), so a meta dependency runs once, as in Ansible. */
  rolesSeen: Set<string>;
  /** Warnings collected on the way (duplicate YAML keys...). */
  warnings: string[];
}

export function newLoadContext(options: LoadOptions, playbookDir: string): LoadContext {
  return {
    isModule: options.isModule,
    ...(options.addPluginFolder ? { addPluginFolder: options.addPluginFolder } : {}),
    rolesPath: options.rolesPath ?? [],
    playbookDir,
    handlers: false,
    importChain: [],
    roleHandlers: [],
    rolesSeen: new Set(),
    warnings: [],
  };
}
