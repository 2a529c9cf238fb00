import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** scripts/test-tree.sh, found from dist/test/support/ or test/support/. */
const SCRIPT = fileURLToPath(new URL('../../../scripts/test-tree.sh', import.meta.url));
const SCRIPT_FROM_SOURCE = fileURLToPath(new URL('../../scripts/test-tree.sh', import.meta.url));

/**
 * Why the real-tree tests cannot run here, or undefined when they can. Only a non-root run skips them: as root,
 * `npm test` has already installed systemd-nspawn and mmdebstrap (scripts/test-setup.sh), so a missing tool is
 * a failure to see, never a reason to skip quietly.
 */
export function realTreeSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'real-tree tests need root (run the tests as root, e.g. in CI or with sudo)';
  return undefined;
}

/**
 * A private copy of the cached Debian test tree (built once by scripts/test-tree.sh), in its own scratch
 * folder so tests may change it freely. Returns the tree path and a function removing the scratch folder.
 */
export async function copyTestTree(): Promise<{ tree: string; scratch: string; remove: () => Promise<void> }> {
  const script = existsSync(SCRIPT) ? SCRIPT : SCRIPT_FROM_SOURCE;
  const scratch = await mkdtemp('/var/tmp/playtree-tree-test-');
  const tree = join(scratch, 'tree');
  await run(script, ['--copy', tree], { maxBuffer: 16 * 1024 * 1024 });
  return { tree, scratch, remove: () => rm(scratch, { recursive: true, force: true }) };
}
