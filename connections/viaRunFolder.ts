import { randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type { ExecResult } from './connection.js';
import { firstLine } from './outputKeeper.js';
import { COMMAND_GRACE_MS } from './processTree.js';
import { NSPAWN_STOP_MS } from './staleCommands.js';
import { LIFELINE_SCRIPT, PREPARE_SCRIPT } from './viaRunScripts.js';

/** Run a script on the build host with positional parameters (CarriedBuildHost's send). */
export type SendScript = (script: string, args: readonly string[], options?: { stdin?: Readable; stopsItself?: boolean }) => Promise<ExecResult>;

export interface RunFolder {
  /** The run's private folder on the build host (pid files and FIFOs of its commands). */
  folder: string;
  /** systemd-nspawn can reach a system bus there. */
  systemBus: boolean;
  /** The build host's kernel (its boot id), or a name of its own when unknown: what tells its trees from others'. */
  kernel: string;
}

/**
 * A run's folder on a build host, owned by its lifeline (viaRunScripts.ts): opened once per build host and
 * run, before the first command there. Opening it first stops what dead runs left on that build host.
 */
export class ViaRunFolder {
  /** The lifeline's input: ended by close(), or closed by the kernel when playtree dies. */
  private readonly lifelineInput = new PassThrough();
  private lifeline: Promise<unknown> | undefined;
  private prepared: Promise<RunFolder> | undefined;

  constructor(
    private readonly send: SendScript,
    /** ` on build host NAME`, for messages. */
    private readonly where: string,
  ) {}

  open(): Promise<RunFolder> {
    this.prepared ??= this.prepare();
    return this.prepared;
  }

  private async prepare(): Promise<RunFolder> {
    const token = randomBytes(8).toString('hex');
    // Never awaited before close(): it runs as long as the run does. An interrupt does not stop it (close()
    // ends it after the run's commands): until then the folder is a live run's.
    this.lifeline = this.send(LIFELINE_SCRIPT, [token], { stdin: this.lifelineInput, stopsItself: true }).catch(() => undefined);
    const tenths = (ms: number) => String(Math.ceil(ms / 100));
    const result = await this.send(PREPARE_SCRIPT, [token, tenths(COMMAND_GRACE_MS), tenths(NSPAWN_STOP_MS)]);
    const [folder = '', , bus, kernel = '-'] = result.stdout.toString('utf8').split('\n');
    if (result.rc !== 0 || !folder.startsWith('/')) {
      const reason = firstLine(result.stderr) || `exit code ${result.rc}`;
      throw new Error(`could not make this run's folder${this.where}: ${reason}`);
    }
    // An unknown kernel: this build host's trees are shared with no other way to them.
    return { folder, systemBus: bus === 'bus', kernel: /^[0-9a-f-]{8,}$/.test(kernel) ? kernel : `${this.where.trim()} (unknown kernel)` };
  }

  /** Remove the folder, then end the lifeline (a folder without one is a dead run's). Safe to call more than once. */
  async close(): Promise<void> {
    const prepared = await this.prepared?.catch(() => undefined);
    if (prepared) await this.send('rm -rf -- "$1"', [prepared.folder]).catch(() => undefined);
    this.lifelineInput.end();
    await this.lifeline;
  }
}
