import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../connections/local.js';
import { ConnectionTarget } from '../../src/engine/target.js';
import type { ModuleDefinition, ModuleResult } from '../../modules/module.js';
import { ModuleError } from '../../src/core/errors.js';
import { moduleContext } from './treeModuleRun.js';

/**
 * Run a module for real through the local connection, as the engine does, for module tests.
 * `render`/`evaluate` here only substitute `{{ name }}` from `vars` (the real templating is tested apart).
 */
export async function runModule(
  module: ModuleDefinition,
  args: Record<string, unknown>,
  options: { check?: boolean; diff?: boolean; verbosity?: number; vars?: Record<string, unknown>; filesDir?: string } = {},
): Promise<ModuleResult & { roundTrips: number }> {
  const connection = new LocalConnection({ host: 'localhost', vars: {}, config: {}, log: () => {} });
  const target = new ConnectionTarget(connection);
  const vars = options.vars ?? {};
  const substitute = (text: string) => text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => String(vars[name]));
  const ctx = moduleContext(target, module, args, {
    ...options,
    host: 'localhost',
    render: (text, extra) => {
      Object.assign(vars, extra ?? {});
      return substitute(text);
    },
    evaluate: (expression) => vars[expression.trim()],
  });
  const result = await module.run(ctx);
  return { ...result, roundTrips: target.roundTrips };
}

/** Run a module and return the ModuleError it throws (fails the test when it does not throw). */
export async function moduleFailure(module: ModuleDefinition, args: Record<string, unknown>): Promise<string> {
  try {
    const result = await runModule(module, args);
    if (result.failed) return String(result.msg);
  } catch (error) {
    if (error instanceof ModuleError) return error.message;
    throw error;
  }
  throw new Error('expected the module to fail');
}

export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'playtree-test-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
