/**
 * The one error family of playtree. Every error a user can cause carries a one-line message that says
 * where (file:line:col, or host and task) and what to do next; the CLI prints `ERROR! <message>` and
 * exits with `exitCode`. Stack traces are shown only at -vvvv.
 */
export class PlaytreeError extends Error {
  /** ansible-playbook's exit code for this kind of error. */
  readonly exitCode: number = 1;
}

/** A position in a source file (1-based line and column). */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export function formatPosition(pos: SourcePosition | undefined): string {
  if (!pos) return '';
  return `${pos.file}:${pos.line}:${pos.column}`;
}

/** Bad YAML, INI or playbook structure: always names file:line:col. Exit code 4, as ansible-playbook's parser errors. */
export class ParseError extends PlaytreeError {
  override readonly exitCode: number = 4;
  constructor(
    readonly reason: string,
    readonly position?: SourcePosition,
  ) {
    super(position ? `${formatPosition(position)}: ${reason}` : reason);
  }
}

/**
 * A role that does not exist: a parse error where the playbook is loaded, but only a failed task where
 * include_role looks for it at run time, as in ansible-core (which ends the run for any other load error).
 */
export class MissingRoleError extends ParseError {}

/** A file a playbook imports (import_tasks, import_playbook) that is not there: exit 1, as ansible-playbook's. */
export class MissingImportError extends ParseError {
  override readonly exitCode: number = 1;
}

/** Command-line usage argparse rejects (an unknown option, a missing or malformed argument): exit 2, as ansible-playbook's. */
export class UsageError extends PlaytreeError {
  override readonly exitCode = 2;
}

/** Options that parse but cannot be used (bad -e data, an unknown --host): ansible-playbook exits 5 for these. */
export class OptionsError extends PlaytreeError {
  override readonly exitCode = 5;
}

/** The target cannot be reached or prepared: the host is reported UNREACHABLE. */
export class ConnectionError extends PlaytreeError {
  constructor(
    message: string,
    readonly host?: string,
  ) {
    super(message);
  }
}

/** A module refused its arguments or could not do its work: the task fails on that host. */
export class ModuleError extends PlaytreeError {
  constructor(
    message: string,
    /** Extra fields for the task result (rc, stdout, stderr, ...). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * What ends the whole run at once, not just a host's task, as ansible-core's strategy does for a notified
 * handler that does not exist or an included file that does not parse: no recap, exit `exitCode`.
 */
export class RunAbortedError extends PlaytreeError {
  constructor(
    message: string,
    override readonly exitCode: number = 1,
  ) {
    super(message);
  }
}

/** A template referred to something undefined or was malformed. */
export class TemplateError extends PlaytreeError {}
