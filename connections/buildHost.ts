import { realpathSync } from 'node:fs';
import { findHeldTreeLock } from './treeLock.js';
import { lockTree } from './runLock.js';
import { probeHost } from './busProbe.js';
import { stopStaleCommands } from './staleCommands.js';
import { checkRunningAsRoot, checkShellInTree, checkTreeLooksLikeAnOs, findProgram } from './treeChecks.js';
import type { TreeSettings } from './treeOptions.js';
import { runTreeCommand, type TreeCommand, type TreeRunOptions, type TreeRunResult } from './treeProcess.js';

/*
 * The build host: the machine where a tree driver (chroot, nspawn) finds its tree and runs chroot or
 * systemd-nspawn. It is the controller itself (LocalBuildHost: today's code paths, no extra process), or
 * another inventory host reached through its own connection, named by `playtree_via` (CarriedBuildHost,
 * carriedBuildHost.ts: every operation a shell command sent through that connection).
 */
export interface BuildHost {
  /** ` on build host NAME` for messages, or '' on the controller. */
  readonly where: string;
  /** Run one process on the build host, stdin and stdout streamed; stopped on interrupt as `command.stop` says. */
  run(command: TreeCommand, io: TreeRunOptions): Promise<TreeRunResult>;
  /** Stop what a killed playtree left running on `tree` (a build host: whatever dead runs left there, once a run). */
  stopStaleCommands(tree: string): Promise<void>;
  /**
   * Root, each of `programs` ([name, Debian package]) on PATH, `settings.tree` an OS tree with the shell in it:
   * the first failure is a one-line ConnectionError. Returns each program's path.
   */
  checkTree(settings: TreeSettings, transport: string, programs: ReadonlyArray<[string, string]>): Promise<Map<string, string>>;
  /** Take this run's lock on the tree (runLock.ts), held until the run ends. */
  lockTree(host: string, tree: string, log: (verbosity: number, message: string) => void): Promise<void>;
  /** The lock file systemd-nspawn holds on `tree` (another container runs on it), or undefined. */
  findHeldNspawnLock(tree: string): Promise<string | undefined>;
  /** systemd-nspawn can reach a system bus there (systemd as PID 1 and a bus socket). */
  systemBus(): Promise<boolean>;
  /** The tree's canonical path there (symlinks resolved): what names its container; as given when it cannot be resolved. */
  realTree(tree: string): Promise<string>;
}

/** The tree's path with symlinks resolved on the controller; the path as given when it cannot be resolved (the checks then say why). */
export function realTreeOf(tree: string): string {
  try {
    return realpathSync(tree);
  } catch {
    return tree;
  }
}

/** The controller as build host. */
export const localBuildHost: BuildHost = {
  where: '',
  run: (command, io) => runTreeCommand(command, io),
  stopStaleCommands,
  async checkTree(settings, transport, programs) {
    checkRunningAsRoot(settings, transport);
    const found = new Map<string, string>();
    for (const [name, debianPackage] of programs) found.set(name, await findProgram(settings, name, debianPackage));
    await checkTreeLooksLikeAnOs(settings);
    await checkShellInTree(settings);
    return found;
  },
  lockTree,
  findHeldNspawnLock: findHeldTreeLock,
  systemBus: async () => probeHost().systemBus,
  realTree: async (tree) => realTreeOf(tree),
};

/**
 * What a tree driver is given when its host names `playtree_via`: the build host's name, and how to reach
 * it (opened once per run and shared by every tree on it; the engine closes it at the end).
 */
export interface ViaBuildHost {
  host: string;
  connect: () => Promise<BuildHost>;
}
