import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { TemplateError } from '../core/errors.js';
import { isVaultEncrypted } from '../core/vault.js';
import { decryptWithRunSecrets, VaultError } from '../core/vaultKeyring.js';
import { compileTemplate } from './compiler.js';
import type { TemplateFileOptions, TemplateSyntax } from './templateOptions.js';
import { pyStr } from '../core/pythonValues.js';
import { playtreeRuntime, RenderContext, runLoadedTemplate, type BlockRender, type LoadedTemplate, type TemplateErrorPlace, type TemplateLoader } from './runtime.js';
import { renderTemplateSource, type Templar } from './templar.js';
import { strftime } from './ansibleFilters.js';
import { templateGlobals } from './templateGlobals.js';
import { undefinedVariable } from '../core/undefinedValue.js';

/**
 * Template files as Ansible's template module and template lookup render them: `#jinja2:` overrides on
 * the first line, and `{% include %}` / `{% import %}` / `{% from %}` names found in a search path.
 */

export type { TemplateFileOptions } from './templateOptions.js';

const OVERRIDE_HEADER = '#jinja2:';

const OVERRIDE_NAMES: Record<string, keyof TemplateSyntax | 'newlineSequence'> = {
  trim_blocks: 'trimBlocks',
  lstrip_blocks: 'lstripBlocks',
  block_start_string: 'blockStart',
  block_end_string: 'blockEnd',
  variable_start_string: 'variableStart',
  variable_end_string: 'variableEnd',
  comment_start_string: 'commentStart',
  comment_end_string: 'commentEnd',
  newline_sequence: 'newlineSequence',
  line_statement_prefix: 'lineStatementPrefix',
  line_comment_prefix: 'lineCommentPrefix',
};

/**
 * The syntax Ansible's option names ask for (`trim_blocks`, `variable_start_string`...), as the template
 * module's arguments and the template lookup's options give them; options not given are left out.
 */
export function templateSyntaxOf(options: Record<string, unknown>): TemplateSyntax {
  const syntax: Record<string, unknown> = {};
  for (const [option, key] of Object.entries(OVERRIDE_NAMES)) {
    if (key !== 'newlineSequence' && options[option] !== undefined) syntax[key] = options[option];
  }
  return syntax as TemplateSyntax;
}

/** A Python literal in a `#jinja2:` line: True/False, a quoted string, a number. */
function overrideValue(raw: string, line: string): unknown {
  if (raw === 'True' || raw === 'False') return raw === 'True';
  const quoted = /^(['"])(.*)\1$/s.exec(raw);
  if (quoted) return quoted[2]!.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
  if (/^-?\d+$/.test(raw)) return Number(raw);
  throw new TemplateError(`failed to parse jinja2 override '${line}': '${raw}' is not a Python literal`);
}

/** Splits off the `#jinja2: name: value, ...` first line, as Ansible does. */
export function jinjaOverrides(text: string): { body: string; overrides: Record<string, unknown> } {
  if (!text.startsWith(OVERRIDE_HEADER)) return { body: text, overrides: {} };
  const eol = text.indexOf('\n');
  const line = text.slice(OVERRIDE_HEADER.length, eol < 0 ? undefined : eol);
  const overrides: Record<string, unknown> = {};
  for (const pair of line.split(',')) {
    const colon = pair.indexOf(':');
    if (colon < 0) throw new TemplateError(`failed to parse jinja2 override '${line.trim()}' (expected name: value, ...)`);
    const key = pair.slice(0, colon).trim();
    const name = OVERRIDE_NAMES[key];
    if (!name) throw new TemplateError(`#jinja2: override '${key}' is not supported by playtree (supported: ${Object.keys(OVERRIDE_NAMES).join(', ')})`);
    overrides[name] = overrideValue(pair.slice(colon + 1).trim(), line.trim());
  }
  return { body: eol < 0 ? '' : text.slice(eol + 1), overrides };
}

/** Finds and compiles included names in the search path (compiled once per file and render). */
class SearchPathLoader implements TemplateLoader {
  private readonly found = new Map<string, LoadedTemplate | undefined>();

  constructor(
    private readonly searchPath: readonly string[],
    private readonly syntax: TemplateSyntax,
  ) {}

  load(name: string): LoadedTemplate | undefined {
    if (this.found.has(name)) return this.found.get(name);
    const candidates = isAbsolute(name) ? [name] : this.searchPath.map((folder) => join(folder, name));
    const path = candidates.find((candidate) => existsSync(candidate));
    let loaded: LoadedTemplate | undefined;
    if (path) {
      // Jinja2 drops one trailing newline of every template (keep_trailing_newline is off).
      const source = readFileSync(path, 'utf8').replace(/\r\n?/g, '\n').replace(/\n$/, '');
      try {
        loaded = { template: compileTemplate(source, 'text', this.syntax), path };
      } catch (error) {
        throw Object.assign(new TemplateError(`${path}: ${(error as Error).message}`), { placed: true });
      }
    }
    this.found.set(name, loaded);
    return loaded;
  }

  describe(name: string): string {
    return `template '${name}' not found in ${this.searchPath.join(', ') || '(no search path)'}`;
  }
}

function decryptedTemplateText(text: string, path: string): string {
  try {
    return decryptWithRunSecrets(text, path).toString('utf8');
  } catch (error) {
    if (error instanceof VaultError) throw new TemplateError(error.message);
    throw error;
  }
}

/**
 * Renders the template file `path` as Ansible's template module and template lookup do, with the variables
 * of `variables`: a Templar (modules), or the RenderContext a lookup function is called with (`this`).
 */
export function renderTemplateFile(variables: Templar | RenderContext, path: string, options: TemplateFileOptions): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TemplateError(`could not read template '${path}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  // A vault-encrypted template is decrypted first, as Ansible's template action and lookup do.
  if (isVaultEncrypted(text)) text = decryptedTemplateText(text, path);
  const { body, overrides } = jinjaOverrides(text);
  const { newlineSequence = options.newlineSequence ?? '\n', ...syntaxOverrides } = overrides as TemplateSyntax & { newlineSequence?: string };
  const syntax: TemplateSyntax = { trimBlocks: true, lstripBlocks: false, ...options.syntax, ...syntaxOverrides };
  try {
    return renderBody(variables, body, options, syntax, newlineSequence, new SearchPathLoader(options.searchPath, syntax));
  } catch (error) {
    throw withTemplatePlace(error, path);
  }
}

/**
 * A template error names the file and line it happened at (`templates/motd.j2:3: 'x' is undefined`); a
 * syntax error has its line in its message already; included files name themselves.
 */
function withTemplatePlace(error: unknown, path: string): unknown {
  if (!(error instanceof TemplateError) || (error as TemplateErrorPlace).placed) return error;
  if (error.message.startsWith('template syntax error')) return new TemplateError(`${path}: ${error.message}`);
  const { templateFile = path, templateLine } = error as TemplateError & TemplateErrorPlace;
  if (templateLine === undefined) return error;
  const Kind = error.constructor as new (message: string) => TemplateError;
  return new Kind(`${templateFile}:${templateLine}: ${error.message}`);
}

function renderBody(variables: Templar | RenderContext, body: string, options: TemplateFileOptions, syntax: TemplateSyntax, newlineSequence: string, loader: TemplateLoader): string {
  let rendered: string;
  if (variables instanceof RenderContext) {
    const extra = options.vars ?? {};
    const lookup = (name: string) => (Object.prototype.hasOwnProperty.call(extra, name) ? extra[name] : variables.lookup(name));
    rendered = renderTemplateSource(lookup, body, { syntax, loader });
  } else rendered = variables.renderTemplateText(body, { vars: options.vars, syntax, loader });
  return newlineSequence === '\n' ? rendered : rendered.replace(/\r\n|\r|\n/g, newlineSequence);
}

type Frame = { lookup(name: string): unknown };

function loaderOf(context: RenderContext, tag: string): TemplateLoader {
  if (!context.loader) throw new TemplateError(`{% ${tag} %} works only in template files (the template module and lookup), not in task strings`);
  return context.loader;
}

/** The context an included or imported template sees: the caller's names, or only the globals. */
function contextFor(context: RenderContext, frame: Frame, withContext: boolean): RenderContext {
  if (!withContext) return new RenderContext((name) => templateGlobals[name] ?? undefinedVariable(name), context.loader);
  return new RenderContext((name) => {
    const value = frame.lookup(name);
    return value !== undefined ? value : context.lookup(name);
  }, context.loader);
}

function findTemplate(context: RenderContext, tag: string, name: unknown, ignoreMissing: boolean): LoadedTemplate | undefined {
  const loader = loaderOf(context, tag);
  // Jinja2 takes a list of names and uses the first that exists.
  const names = (Array.isArray(name) ? name : [name]).map((n) => pyStr(n));
  for (const candidate of names) {
    const template = loader.load(candidate);
    if (template) return template;
  }
  if (ignoreMissing) return undefined;
  throw new TemplateError(loader.describe(names.join("', '")));
}

function includeTemplate(context: RenderContext, frame: Frame, name: unknown, ignoreMissing: boolean, withContext: boolean): string {
  const template = findTemplate(context, 'include', name, ignoreMissing);
  return template ? String(runLoadedTemplate(template, contextFor(context, frame, withContext))) : '';
}

function importTemplate(context: RenderContext, frame: Frame, name: unknown, withContext: boolean): Record<string, unknown> {
  const module = contextFor(context, frame, withContext);
  runLoadedTemplate(findTemplate(context, 'import', name, false)!, module);
  return module.exports();
}

function importedName(module: Record<string, unknown>, name: string): unknown {
  if (!Object.prototype.hasOwnProperty.call(module, name)) throw new TemplateError(`the template does not export the requested name '${name}'`);
  return module[name];
}

function extendTemplate(context: RenderContext, name: unknown): void {
  if (context.parentTemplate) throw new TemplateError('a template may {% extends %} only one template');
  context.parentTemplate = findTemplate(context, 'extends', name, false);
}

type BlockFrame = Parameters<BlockRender>[0];

function callBlock(chain: BlockRender[], index: number, frame: BlockFrame): string {
  const scope = frame.push();
  scope.set('super', () => {
    if (index + 1 >= chain.length) throw new TemplateError('super() called in a block no parent template defines');
    return callBlock(chain, index + 1, frame);
  });
  return chain[index]!(scope as unknown as BlockFrame);
}

/** A block renders in place with the overrides of the templates extending this one; while extending, it only registers. */
function renderBlock(context: RenderContext, frame: BlockFrame, name: string, render: BlockRender): string {
  const chain = context.blocks.get(name) ?? [];
  if (context.parentTemplate) {
    context.blocks.set(name, [...chain, render]);
    return '';
  }
  return callBlock([...chain, render], 0, frame);
}

function superBlock(frame: Frame): unknown {
  const call = frame.lookup('super');
  if (typeof call !== 'function') throw new TemplateError('super() may only be called inside a {% block %}');
  return call();
}

Object.assign(playtreeRuntime, { includeTemplate, importTemplate, importedName, extendTemplate, renderBlock, superBlock });

/**
 * Ansible's search path for a template's includes: each folder's `templates/` then the folder itself,
 * for the task's search folders (role, task file, playbook), then the template's own folder; the template
 * lookup (`lookup: true`) puts the template's own folder first instead.
 */
export function templateSearchPath(folders: readonly string[], templateFile: string, options: { lookup?: boolean } = {}): string[] {
  const expand = (list: readonly string[]) => list.flatMap((folder) => [join(folder, 'templates'), folder]);
  const own = dirname(templateFile);
  return [...new Set(options.lookup ? [own, ...expand(folders)] : expand([...folders, own]))];
}

/** Python's str(datetime): `2024-01-31 12:00:00.123000`. */
function pythonDatetime(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds() * 1000, 6)}`;
}

/** The controller's user name for `uid` (from /etc/passwd), or the number as Ansible falls back to. */
function userName(uid: number): string {
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.split(':')[2] === String(uid));
    if (line) return line.split(':')[0]!;
  } catch {
    // no passwd file: the number will do
  }
  return String(uid);
}

function managedText(format: string, mtime: Date): string {
  try {
    return strftime(format, mtime);
  } catch {
    return format;
  }
}

/**
 * The variables Ansible gives a template file (`path` as the task wrote it, `fullPath` where it was found):
 * template_path, template_host, ansible_managed (from
 * ansible.cfg's format when given: `{file}`, `{host}`, `{uid}` and strftime codes, at the file's mtime)...
 */
export function templateFileVars(path: string, fullPath: string, destination?: string, managedFormat = 'Ansible managed'): Record<string, unknown> {
  const stats = statSync(fullPath);
  const names: Record<string, string> = { file: path, host: hostname(), uid: userName(stats.uid) };
  const managed = managedFormat.replace(/\{(file|host|uid)\}/g, (_whole, key: string) => names[key]!.replace(/%/g, '%%'));
  return {
    template_host: names.host,
    template_path: path,
    template_fullpath: resolve(fullPath),
    template_destpath: destination ?? null,
    template_uid: names.uid,
    template_mtime: pythonDatetime(stats.mtime),
    template_run_date: pythonDatetime(new Date()),
    ansible_managed: managedText(managed, stats.mtime),
  };
}
