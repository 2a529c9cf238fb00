import type { Connection } from '../../connections/connection.js';
import { validateModuleArgs } from '../../modules/args.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModuleContext, ModuleDefinition, ModuleResult, Target } from '../../modules/module.js';
import { ConnectionTarget } from '../../src/engine/target.js';
import { ModuleError } from '../../src/core/errors.js';
import type { TemplateFileOptions } from '../../src/template/index.js';

export interface TreeModuleRunOptions {
  check?: boolean;
  diff?: boolean;
  verbosity?: number;
  /** Controller folder that relative `src:` names resolve against (default: the working folder). */
  filesDir?: string;
  /** The host's variables as `ctx.evaluate` sees them (default: none is defined). */
  evaluate?: ModuleContext['evaluate'];
}

/** A template file through the test's `render` stand-in, with the module's newline_sequence applied. */
function renderFileLike(render: ModuleContext['render'] | undefined, path: string, options: TemplateFileOptions): string {
  const text = (render ?? ((source) => source))(readFileSync(path, 'utf8'), options.vars);
  const newline = options.newlineSequence ?? '\n';
  return newline === '\n' ? text : text.replace(/\r\n|\r|\n/g, newline);
}

/** The context the engine hands a module: arguments validated, controller files found under `filesDir`. */
export function moduleContext(
  target: Target,
  module: ModuleDefinition,
  args: Record<string, unknown>,
  options: TreeModuleRunOptions & { host: string; render?: ModuleContext['render']; renderFile?: ModuleContext['renderFile']; evaluate?: ModuleContext['evaluate'] },
): ModuleContext {
  const filesDir = options.filesDir ?? process.cwd();
  return {
    args: validateModuleArgs(module, args),
    host: options.host,
    check: options.check ?? false,
    diff: options.diff ?? false,
    verbosity: options.verbosity ?? 0,
    target,
    controller: { playbookDir: filesDir, findFile: (_kind, name) => (name.startsWith('/') ? name : join(filesDir, name)), searchFolders: () => [filesDir] },
    render: options.render ?? ((text) => text),
    renderFile: options.renderFile ?? ((path, fileOptions) => renderFileLike(options.render, path, fileOptions)),
    evaluate: options.evaluate ?? (() => undefined),
    log: () => {},
  };
}

/**
 * Run a module for real through any Connection (local, chroot, nspawn), as the engine does: arguments
 * validated, one ConnectionTarget counting round trips. A ModuleError becomes a failed result carrying its
 * details, as the engine reports it, so tests can look at `msg`, `rc`, `stderr` either way.
 */
export async function runModuleOn(
  connection: Connection,
  module: ModuleDefinition,
  args: Record<string, unknown>,
  options: TreeModuleRunOptions = {},
): Promise<ModuleResult & { roundTrips: number }> {
  const target = new ConnectionTarget(connection);
  const ctx = moduleContext(target, module, args, { ...options, host: 'tree' });
  try {
    return { ...(await module.run(ctx)), roundTrips: target.roundTrips };
  } catch (error) {
    if (!(error instanceof ModuleError)) throw error;
    return { changed: false, ...error.details, failed: true, msg: error.message, roundTrips: target.roundTrips };
  }
}
