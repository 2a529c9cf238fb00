import type { Readable, Writable } from 'node:stream';
import type { ExecResult } from '../connections/connection.js';
import type { TreeFiles } from '../connections/treeFiles.js';
import type { TemplateFileOptions } from '../src/template/templateOptions.js';

/**
 * The contract between the task engine and a module. A module runs on the controller: it reads the
 * target's state with as few commands as it can, decides what to change, and (unless in check mode)
 * applies it through `ctx.target`. It imports nothing from the engine.
 */
export interface ModuleDefinition {
  /** Short name (`copy`); modules/index.ts lists every name it answers to. */
  name: string;
  /** Arguments it accepts; anything else is an error naming the task. */
  args: Record<string, ArgSpec>;
  /**
   * Free-form text after the module name (`command: ls -l`, `shell: ...`) goes into this argument
   * (e.g. `_raw_params`). Modules without it parse `k=v` pairs from the text.
   */
  freeForm?: string;
  /**
   * Accepts argument names it does not declare (set_fact: every name is a fact to set): undeclared ones are
   * passed through unconverted; declared ones (`cacheable`) are still checked and converted.
   */
  anyArgs?: boolean;
  /** Runs once per host even without a connection (debug, set_fact, assert, fail): no target needed. */
  local?: boolean;
  /**
   * Runs once for the play, on its first host, as Ansible's BYPASS_HOST_LOOP actions (add_host, pause): the
   * other hosts neither run it nor register its result (unlike run_once, nothing is shared).
   */
  bypassHostLoop?: boolean;
  run(ctx: ModuleContext): Promise<ModuleResult>;
}

export type ArgType = 'str' | 'bool' | 'int' | 'float' | 'list' | 'dict' | 'path' | 'raw';

export interface ArgSpec {
  type: ArgType;
  required?: boolean;
  default?: unknown;
  choices?: readonly unknown[];
  aliases?: string[];
  /** For `list`: the type of each element (`str` lists also split a comma-separated string). */
  elements?: ArgType;
}

/** Everything a module is handed. */
export interface ModuleContext {
  /** Validated arguments: every declared name is present (undefined when not given and no default). */
  args: Record<string, unknown>;
  /** Inventory host name. */
  host: string;
  check: boolean;
  diff: boolean;
  /** The run's -v level (0-4): `debug: verbosity:` compares against it. */
  verbosity: number;
  /** The target, with the task's `become` and `environment` already applied. */
  target: Target;
  /** The controller side: local files (for `copy src=`, `template`, `fetch dest=`). */
  controller: Controller;
  /** Render Jinja2 text with the host's variables (plus `extra`), as the template module does. */
  render(text: string, extra?: Record<string, unknown>): string;
  /**
   * Render a controller template file as the template module does: `#jinja2:` overrides, and
   * `{% include %}`/`{% import %}` names found in `options.searchPath`.
   */
  renderFile(path: string, options: TemplateFileOptions): string;
  /** Evaluate a bare Jinja2 expression (`assert: that`, `debug: var`). */
  evaluate(expression: string): unknown;
  /** Diagnostics at a verbosity level (1-4). */
  log(verbosity: number, message: string): void;
  /** A line shown at every verbosity, as Ansible's display.display (pause's prompt); absent in unit tests. */
  display?(message: string): void;
}

/** The target as a module sees it. Each `exec`, `put` and `fetch` counts as one round trip. */
export interface Target {
  /** The connection's name as written in `ansible_connection` (`local`, `chroot`, `community.general.nspawn`...). */
  readonly transport?: string;
  /** Run a shell command string, or an argv array that is quoted into one. */
  exec(command: string | readonly string[], options?: { stdin?: Buffer | string | Readable; cwd?: string; keepOutput?: number }): Promise<ExecResult>;
  /** Write bytes to a path on the target, atomically (temporary name, then rename). */
  put(source: Readable | Buffer | string, remotePath: string): Promise<void>;
  /** Stream a file of the target into `sink`. */
  fetch(remotePath: string, sink: Writable): Promise<void>;
  /**
   * The target's files read from the controller (a local tree, as root sees it), when the connection offers
   * them and the task runs as root: see connections/treeFiles.ts. Absent: read them with a command.
   */
  readonly files?: TreeFiles;
}

export interface Controller {
  /**
   * Find a controller file the way Ansible does for `src:`: absolute as is; otherwise in the role's
   * `files/` (or `templates/`), then beside the task file, then the playbook folder. Throws ModuleError
   * naming the places searched when it is nowhere.
   */
  findFile(kind: 'files' | 'templates', name: string): string;
  /** The playbook's folder (relative `fetch dest=` and the like resolve against it). */
  playbookDir: string;
  /** Ansible's search path for the task: the role's folder, the task file's, the playbook's (each once). */
  searchFolders(): string[];
  /** ansible.cfg's `[defaults] ansible_managed`, when set (the template module's `ansible_managed`). */
  ansibleManaged?: string;
}

/** A diff as Ansible's modules return it: text or state (a dict) before and after, or a prepared plan. */
export interface FileDiff {
  before?: string | Record<string, unknown>;
  after?: string | Record<string, unknown>;
  before_header?: string;
  after_header?: string;
  /** A module's own account of the change (apt's plan), shown as it is. */
  prepared?: string;
}

/** A module's result, in Ansible's shape. Extra keys are kept and visible to `register`. */
export interface ModuleResult {
  changed: boolean;
  failed?: boolean;
  skipped?: boolean;
  msg?: string;
  rc?: number;
  stdout?: string;
  stderr?: string;
  diff?: FileDiff | FileDiff[];
  /** Facts to set on the host (set_fact, gathered facts). */
  ansible_facts?: Record<string, unknown>;
  [key: string]: unknown;
}
