import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadInventory, matchHostsWithWarnings, type Inventory } from '../inventory/index.js';
import { loadPlaybook } from '../playbook/index.js';
import type { Playbook } from '../playbook/types.js';
import type { RunOptions } from '../engine/context.js';
import { playbookLoadOptions } from '../engine/loadOptions.js';
import { newSharedRun, runPlaybook } from '../engine/runPlaybook.js';
import { checkPlaybook } from '../engine/staticCheck.js';
import { OptionsError, PlaytreeError } from '../core/errors.js';
import { chooseRenderer } from '../output/chooseRenderer.js';
import { accessSettings, loadAnsibleConfig, type AnsibleConfig } from '../core/ansibleConfig.js';
import { setVaultSecrets } from '../core/vaultKeyring.js';
import { parseExtraVars } from './extraVars.js';
import { parseLockWait, type CliOptions } from './options.js';
import { loadConnectionPlugins } from '../../connections/plugins.js';
import { configureTreeLocks } from '../../connections/runLock.js';
import { addModuleFolder } from '../../modules/library.js';

const DEFAULT_INVENTORY = '/etc/ansible/hosts';

/** Everything after option parsing: the inventory subcommand, listings, syntax check, or a run. */
export async function runCommand(cli: CliOptions): Promise<number> {
  if (cli.command === 'vault') return await (await import('./vaultCommand.js')).runVaultCommand(cli.vaultArgs ?? []);
  const config = loadAnsibleConfig();
  await loadVaultSecrets(cli, config);
  const sources = cli.inventory.length ? cli.inventory : config.inventory.length ? config.inventory : [DEFAULT_INVENTORY];
  const inventory = await loadInventory(sources);
  const out = (text: string) => process.stdout.write(text);
  const warn = (text: string) => process.stderr.write(`[WARNING]: ${text}\n`);
  inventory.warnings.forEach(warn);

  if (cli.command === 'inventory') return await inventoryCommand(cli, inventory, out, warn);
  // ansible-playbook -v names its config first, so a log says which settings were in force.
  if (cli.verbosity >= 1 && !cli.json) out(config.file ? `Using ${resolve(config.file)} as config file\n` : 'No config file found; using defaults\n');

  const runOptions = runOptionsFrom(cli, config);
  // As ansible-playbook: -M, then $ANSIBLE_LIBRARY, then [defaults] library; JS modules only.
  const libraryEnv = process.env['ANSIBLE_LIBRARY']?.split(':').filter(Boolean) ?? [];
  for (const folder of [...cli.modulePath, ...libraryEnv, ...config.library]) addModuleFolder(folder, { isLibrary: true });
  const playbooks: Playbook[] = [];
  for (const file of cli.playbooks) {
    // ansible-playbook checks every playbook exists before reading any (exit 1, not a parse error).
    if (!existsSync(resolve(file))) throw new PlaytreeError(`the playbook: ${file} could not be found; check the path`);
  }
  for (const file of cli.playbooks) {
    const playbook = await loadPlaybook(resolve(file), playbookLoadOptions(runOptions));
    playbook.warnings?.forEach(warn);
    await checkPlaybook(playbook);
    playbooks.push(playbook);
  }
  await loadConnectionPlugins(pluginFolders(inventory, playbooks, config));

  if (cli.syntaxCheck || cli.listHosts || cli.listTasks || cli.listTags) {
    for (const playbook of playbooks) {
      out(`\nplaybook: ${cli.playbooks[playbooks.indexOf(playbook)]}\n`);
      if (cli.listHosts || cli.listTasks || cli.listTags) {
        // Listings and the inventory's --list/--graph output are loaded only when asked for.
        const { listPlaybook } = await import('./listings.js');
        out(listPlaybook(playbook, inventory, runOptions, { hosts: cli.listHosts, tasks: cli.listTasks, tags: cli.listTags }));
      }
    }
    return 0;
  }

  const access = await askForAccess(cli, config, runOptions);
  configureTreeLocks({ waitSeconds: lockWaitOf(cli), playbook: cli.playbooks.map((file) => resolve(file)).join(' ') });
  // As ansible-playbook: the playbooks share host state, and a playbook that ends with a failed or
  // unreachable host is the last one run.
  const shared = newSharedRun();
  try {
    for (const playbook of playbooks) {
      const result = await runOnePlaybook(cli, playbook, inventory, runOptions, shared);
      if (result !== 0) return result;
    }
  } finally {
    access.close();
  }
  return 0;
}

/** What the current playbook's renderer must print before a --step question (its held-back lines). */
let textBeforeStep: (() => void) | undefined;

/** One playbook with its own renderer; returns its exit code (4 a host unreachable, 2 a host failed). */
async function runOnePlaybook(cli: CliOptions, playbook: Playbook, inventory: Inventory, runOptions: RunOptions, shared: ReturnType<typeof newSharedRun>): Promise<number> {
  // --step writes its questions between the text output's lines: the live view would draw over them.
  const renderer = await chooseRenderer({ ...cli, live: !cli.step });
  textBeforeStep = renderer.beforePrompt;
  let summary;
  try {
    summary = await runPlaybook(playbook, inventory, runOptions, renderer.events, shared);
  } finally {
    // A run ended by an error still lets the live view close its lines before the error is printed.
    await renderer.finish();
  }
  return summary.anyUnreachable ? 4 : summary.anyFailed ? 2 : 0;
}

async function inventoryCommand(cli: CliOptions, inventory: Inventory, out: (text: string) => void, warn: (text: string) => void): Promise<number> {
  const { inventoryGraph, inventoryHostJson, inventoryListJson, toAnsibleJson } = await import('../inventory/inventoryOutput.js');
  if (cli.host !== undefined) {
    // As ansible-inventory: --host shows one host's variables whatever the limit.
    if (!inventory.hosts.has(cli.host)) throw new OptionsError(`You must pass a single valid host to --host parameter; '${cli.host}' is not in the inventory`);
    out(`${toAnsibleJson(inventoryHostJson(inventory, cli.host))}\n`);
    return 0;
  }
  let onlyHosts: ReadonlySet<string> | undefined;
  if (cli.limit !== undefined) {
    const limited = matchHostsWithWarnings(inventory, 'all', cli.limit);
    limited.warnings.forEach(warn);
    onlyHosts = new Set(limited.hosts);
  }
  const options = onlyHosts ? { onlyHosts } : {};
  if (cli.list) out(`${toAnsibleJson(inventoryListJson(inventory, options))}\n`);
  else out(`${inventoryGraph(inventory, cli.graphGroup ?? 'all', { ...options, vars: cli.vars })}\n`);
  return 0;
}

function runOptionsFrom(cli: CliOptions, config: AnsibleConfig): RunOptions {
  // As ansible-playbook: a flag wins over ansible.cfg (and its ANSIBLE_* variable); keywords and variables win over both.
  const access = accessSettings(config);
  const become = cli.become || access.become;
  const becomeUser = cli.becomeUser ?? access.becomeUser;
  const becomeMethod = cli.becomeMethod ?? access.becomeMethod;
  const remoteUser = cli.remoteUser ?? access.remoteUser;
  const privateKeyFile = cli.privateKey ?? access.privateKeyFile;
  const timeout = cli.timeout ?? access.timeout;
  return {
    ...(become !== undefined ? { become } : {}),
    ...(becomeUser !== undefined ? { becomeUser } : {}),
    ...(becomeMethod !== undefined ? { becomeMethod } : {}),
    ...(remoteUser !== undefined ? { remoteUser } : {}),
    ...(privateKeyFile !== undefined ? { privateKeyFile } : {}),
    ...(timeout !== undefined ? { timeout } : {}),
    check: cli.check,
    diff: cli.diff,
    forceHandlers: cli.forceHandlers || (config.forceHandlers ?? false),
    forks: cli.forks ?? config.forks ?? 5,
    verbosity: cli.verbosity,
    extraVars: parseExtraVars(cli.extraVars),
    tags: cli.tags,
    skipTags: cli.skipTags,
    config: config.sections,
    rolesPath: config.rolesPath,
    gatherDefaults: config.gatherDefaults,
    injectFactsAsVars: config.injectFactsAsVars,
    ...(cli.limit !== undefined ? { limit: cli.limit } : {}),
    ...(cli.connection !== undefined ? { connection: cli.connection } : {}),
    ...(cli.startAtTask !== undefined ? { startAtTask: cli.startAtTask } : {}),
    ...(config.executable !== undefined ? { executable: config.executable } : {}),
  };
}

/** The vault passwords, gathered before any file is read (vaultPasswords.ts is loaded only when one is named). */
async function loadVaultSecrets(cli: CliOptions, config: AnsibleConfig): Promise<void> {
  const { wantsVaultSecrets, gatherVaultSecrets } = await import('./vaultPasswords.js');
  if (!wantsVaultSecrets(cli, config)) return;
  const { secrets, onlyMatchingLabel } = await gatherVaultSecrets(cli, config, (text) => process.stderr.write(`[WARNING]: ${text}\n`));
  setVaultSecrets(secrets, { onlyMatchingLabel });
}

/**
 * What must be asked before the run: -K (or become_ask_pass) asks for the become password, --step opens
 * the answers' reader; -k only says that no connection here logs in with a password. Returns what closes it.
 */
async function askForAccess(cli: CliOptions, config: AnsibleConfig, runOptions: RunOptions): Promise<{ close(): void }> {
  if (cli.askPass) process.stderr.write('[WARNING]: -k/--ask-pass: no playtree connection logs in with a password (local, chroot and nspawn need none; use a key with ssh); not asked\n');
  const askBecomePass = cli.askBecomePass || accessSettings(config).becomeAskPass;
  if (!askBecomePass && !cli.step) return { close: () => {} };
  const { InputLines, askHiddenLine, stepConfirmer } = await import('./prompts.js');
  const input = new InputLines();
  if (askBecomePass) runOptions.becomePassword = await askHiddenLine('BECOME password: ', input);
  if (cli.step) runOptions.confirmTask = stepConfirmer(input, (text) => void process.stdout.write(text), () => textBeforeStep?.());
  return input;
}

/** How long to wait for a tree another run holds: --lock-wait, else $PLAYTREE_LOCK_WAIT, else 0 (refuse at once). */
function lockWaitOf(cli: CliOptions): number {
  if (cli.lockWait !== undefined) return cli.lockWait;
  const fromEnv = process.env['PLAYTREE_LOCK_WAIT'];
  return fromEnv === undefined || fromEnv === '' ? 0 : parseLockWait(fromEnv, 'PLAYTREE_LOCK_WAIT', OptionsError);
}

/** Where `connection_plugins/` folders may be: beside the inventory, the playbooks and ansible.cfg. */
function pluginFolders(inventory: Inventory, playbooks: Playbook[], config: AnsibleConfig): string[] {
  const folders = [
    ...inventory.varsDirs,
    ...playbooks.map((playbook) => playbook.dir),
    ...(config.file ? [dirname(resolve(config.file))] : []),
  ];
  return [...new Set(folders)].map((folder) => resolve(folder, 'connection_plugins'));
}
