import { TemplateError } from '../src/core/errors.js';

/**
 * The contract of a lookup plugin: `run(terms, options, context)` gives a list, as Ansible's
 * LookupBase.run does. A lookup is handed what it needs through the context and imports nothing from
 * the engine; it runs on the controller.
 */
/** Reads a variable as a template sees it: its templated value, or an undefined marker. */
export type VariableGetter = (name: string) => unknown;

/** The variable the engine sets to the names of all of a task's variables (what `variableNames()` reads). */
export const VARIABLE_NAMES = '__playtree_variable_names';

export interface LookupPlugin {
  name: string;
  run(terms: unknown[], options: Record<string, unknown>, context: LookupContext): unknown[];
}

export interface LookupContext {
  /** A variable's value, templated; `undefined` when it is not defined. */
  variable(name: string): unknown;
  /** The names of every variable the task sees (for `varnames`). */
  variableNames(): string[];
  /** Templates a value with the current variables (and `extra` over them). */
  render(value: unknown, extra?: Record<string, unknown>): unknown;
  /** Renders a template's text (always a string). */
  renderText(text: string, extra?: Record<string, unknown>): string;
  /**
   * Renders controller template file `path` (found for the written `name`) as the template lookup does: its
   * `#jinja2:` line, the delimiters `options` set (`variable_start_string`...), Ansible's `template_*`
   * variables with `vars` over them, and `{% include %}`/`{% import %}` names found beside it, then in the
   * search path.
   */
  renderFile(name: string, path: string, vars: Record<string, unknown>, options: Record<string, unknown>): string;
  /**
   * Where files are searched, as Ansible's `ansible_search_path`: the role's folder, the task file's
   * folder, the playbook's folder.
   */
  searchPath: string[];
  /** The folder relative paths start from when nothing else says (the playbook's). */
  baseDir: string;
  /** For `with_first_found`: the subfolder the task's action reads from (`files`, `templates`, `vars`). */
  subdir?: string;
  warn(message: string): void;
}

/**
 * A failure the lookup reports itself (a missing file, a bad option): `errors=warn` or `errors=ignore`
 * turn it into a warning or nothing. `ownWords` marks the failures ansible-core raises as
 * AnsibleLookupError or AnsibleOptionsError, which a template's `lookup()` passes on as they are; the
 * others (AnsibleError) it wraps in "An unhandled exception occurred while running the lookup plugin ...".
 * A `with_` loop shows every one bare.
 */
export class LookupError extends TemplateError {
  constructor(
    message: string,
    readonly ownWords = false,
    /** The Python exception class ansible-core names when it wraps the failure. */
    readonly pythonClass = 'ansible.errors.AnsibleError',
  ) {
    super(message);
  }
}

/** ansible-core's AnsibleLookupError / AnsibleOptionsError: shown as they are by `lookup()` too. */
export function ownLookupError(message: string): LookupError {
  return new LookupError(message, true);
}

/** A variable a lookup was asked for does not exist: an undefined-variable failure, never ignored. */
export class UndefinedLookupVariable extends TemplateError {}

/** Options a lookup does not know are an error naming them, as Ansible's set_options does. */
export function checkOptions(lookup: string, options: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length) {
    throw ownLookupError(`lookup '${lookup}': unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (it takes ${known.join(', ') || 'none'})`);
  }
}

/** A term that must be text. */
export function textTerm(lookup: string, term: unknown): string {
  if (typeof term === 'string') return term;
  if (typeof term === 'number' || typeof term === 'boolean') return String(term);
  if (term instanceof String) return term.toString();
  throw new LookupError(`lookup '${lookup}' takes text terms, got ${term === null ? 'None' : Array.isArray(term) ? 'a list' : typeof term}`);
}

export function isMappingValue(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof String);
}
