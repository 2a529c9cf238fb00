import { rmSync } from 'node:fs';

/*
 * Temporary files and folders playtree makes on the controller are removed by whoever made them, in a
 * `finally`. An interrupted run (SIGINT/SIGTERM: the CLI stops its commands and exits 99) or a crash never
 * reaches that `finally`: what is still registered here is removed as the process exits.
 */
const pending = new Set<string>();
let hooked = false;

/** Remove `path` (a file or a folder) at exit unless the function returned is called first (it was removed). */
export function removeAtExit(path: string): () => void {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const left of pending) {
        try {
          rmSync(left, { recursive: true, force: true });
        } catch {
          // Exiting anyway: nothing more can be done for it.
        }
      }
    });
  }
  pending.add(path);
  return () => pending.delete(path);
}
