import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { closeOpenConnections } from '../../connections/openConnections.js';
import { releaseTreeLocks } from '../../connections/runLock.js';
import { PlaytreeError } from '../core/errors.js';
import { USAGE, parseCliOptions, type CliOptions } from './options.js';

/** Set by the bundler (scripts/bundle.mjs) to package.json's version; absent when run from tsc's dist/. */
declare const PLAYTREE_VERSION: string | undefined;

/** playtree's version: the bundle's, else package.json's, read without loading anything else (keeps `--version` fast). */
function version(): string {
  return typeof PLAYTREE_VERSION === 'string' ? PLAYTREE_VERSION : packageVersion();
}

function packageVersion(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  return (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * V8's heap settings for a run, set before the runner loads (read by V8 whenever it resizes the heap): the
 * young generation stays at its starting 1 MiB instead of growing to 16 MiB per half, and the old generation
 * is collected once it holds half again what was live after the last full collection (V8 lets it grow up to
 * fourfold). Peak memory at 1000 tasks x 16 trees: 113 -> 76 MB, for about 10% more time in the collector.
 */
function keepHeapSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=50');
}

/**
 * playtree's entry point: returns the exit code (ansible-playbook's: 0 ok, 1 error, 2 a host failed,
 * 4 a host unreachable or a parse error, 2 also for bad command-line usage, 5 unusable options, 99 interrupted,
 * 250 unexpected).
 */
export async function main(argv: string[]): Promise<number> {
  // A reader that stops early (`playtree ... | head`) closes our stdout: stop quietly, not with a trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  let options: CliOptions | undefined;
  try {
    options = parseCliOptions(argv);
    if (options.command === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (options.command === 'version') {
      process.stdout.write(`playtree ${version()}\n  node ${process.version}\n`);
      return 0;
    }
    stopContainersOnInterrupt(options.verbosity);
    keepHeapSmall();
    // The rest loads the whole runner; imported here so that --version and --help stay quick.
    const { runCommand } = await import('./runCommand.js');
    return await runCommand(options);
  } catch (error) {
    return reportError(error, options?.verbosity ?? 0);
  } finally {
    // Normally the locks end with playtree anyway (their holders read end-of-file); releasing them here
    // first means a run started right after this one never finds its tree still locked.
    await releaseTreeLocks();
  }
}

function reportError(error: unknown, verbosity: number): number {
  if (error instanceof PlaytreeError) {
    process.stderr.write(`ERROR! ${error.message}\n`);
    if (verbosity >= 4 && error.stack) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`ERROR! Unexpected Exception, this is probably a bug: ${message}\n`);
  if (verbosity >= 4 && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write('to see the full traceback, use -vvvv\n');
  return 250;
}

/**
 * ^C, a kill or a crash must not leave a container running on a tree (nor its lock held): close every open
 * connection first, then release the run's tree locks (runLock.ts), then exit 99 ("User interrupted
 * execution", as ansible-playbook) or 250 for a crash.
 * A second signal during the close ends playtree at once, killed by that signal (a second ^C: status 130 in
 * a shell), as ansible-playbook ends on a KeyboardInterrupt raised during its clean-up. The kernel drops its
 * tree locks with it; its persistent containers stop by themselves; commands still running are stopped by
 * the next run on their tree (staleCommands.ts), as after a SIGKILL.
 */
function stopContainersOnInterrupt(verbosity: number): void {
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // `on`, not `once`: a library's own handler (execa's signal-exit) re-raises the signal when it sees no
    // other listener left, which would kill playtree in the middle of its clean-up.
    process.on(signal, () => {
      if (interrupted) {
        // Without listeners, Node's default action for the signal applies: the process dies of it.
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
        return;
      }
      interrupted = true;
      process.stderr.write('\nERROR! User interrupted execution\n');
      // The commands stopped now end with a signal's exit code: that is not a result to show, as in Ansible.
      process.stdout.write = () => true;
      void closeOpenConnections().then(releaseTreeLocks).finally(() => process.exit(99));
    });
  }
  const crash = (error: unknown) => {
    const code = reportError(error, verbosity);
    void closeOpenConnections().then(releaseTreeLocks).finally(() => process.exit(code));
  };
  process.once('uncaughtException', crash);
  process.once('unhandledRejection', crash);
}
