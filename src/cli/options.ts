import { parseArgs } from 'node:util';
import { OptionsError, UsageError } from '../core/errors.js';

/** The command line of `playtree [options] playbook.yml...` and `playtree inventory ...`. */
export interface CliOptions {
  command: 'playbook' | 'inventory' | 'vault' | 'version' | 'help';
  /** `playtree vault ...`: its arguments, parsed by vaultCommand.ts. */
  vaultArgs?: string[];
  playbooks: string[];
  inventory: string[];
  limit?: string;
  tags: string[];
  skipTags: string[];
  extraVars: string[];
  check: boolean;
  diff: boolean;
  forks?: number;
  connection?: string;
  verbosity: number;
  listHosts: boolean;
  listTasks: boolean;
  listTags: boolean;
  syntaxCheck: boolean;
  forceHandlers: boolean;
  startAtTask?: string;
  json: boolean;
  /** --lock-wait: seconds to wait for a tree another playtree run holds (undefined: PLAYTREE_LOCK_WAIT, else 0). */
  lockWait?: number;
  /** --vault-id LABEL@SOURCE (may repeat), --vault-password-file FILE (may repeat), --ask-vault-pass/-J. */
  vaultIds: string[];
  vaultPasswordFiles: string[];
  askVaultPass: boolean;
  /** -M/--module-path: folders of JS modules (colon-separated, may repeat). */
  modulePath: string[];
  /** -b/--become: the default of `become` (keywords and ansible_become win). */
  become: boolean;
  /** --become-user / --become-method: defaults of the keywords of that name. */
  becomeUser?: string;
  becomeMethod?: string;
  /** -K/--ask-become-pass: ask for the become password before the run. */
  askBecomePass: boolean;
  /** -u/--user: the default of `remote_user` (ansible_user wins). */
  remoteUser?: string;
  /** --private-key/--key-file: the default of ansible_private_key_file / ansible_ssh_private_key_file. */
  privateKey?: string;
  /** -k/--ask-pass: accepted; no connection playtree has uses a password. */
  askPass: boolean;
  /** -T/--timeout: connection set-up timeout in seconds, the default of ansible_timeout. */
  timeout?: number;
  /** --step: confirm each task before running it. */
  step: boolean;
  /** --flush-cache: accepted; playtree keeps no fact cache. */
  flushCache: boolean;
  /** inventory subcommand */
  list: boolean;
  host?: string;
  graph: boolean;
  graphGroup?: string;
  vars: boolean;
}

export const USAGE = `usage: playtree [-h] [--version] [-v] [-i INVENTORY] [-l SUBSET] [-e EXTRA_VARS]
                [-t TAGS] [--skip-tags SKIP_TAGS] [-C] [-D] [-f FORKS] [-M MODULE_PATH]
                [--list-hosts] [--list-tasks] [--list-tags] [--syntax-check]
                [--start-at-task TASK] [--step] [--force-handlers] [--flush-cache]
                [-c CONNECTION] [-u REMOTE_USER] [--private-key FILE] [-T TIMEOUT] [-k]
                [-b] [--become-method METHOD] [--become-user USER] [-K]
                [--json] [--lock-wait SECONDS] [--vault-id VAULT_IDS]
                [--vault-password-file FILE] [-J] playbook [playbook ...]
       playtree inventory [-i INVENTORY] [-l SUBSET] (--list | --host HOST | --graph [GROUP]) [--vars]
       playtree vault {encrypt,decrypt,view,encrypt_string,create,edit} ... (see playtree vault --help)

Runs Ansible playbooks against hosts and OS image trees (local, chroot, nspawn, ssh connections).

options:
  -h, --help              show this help message and exit
  --version               show program's version number and exit
  -v, --verbose           more output: -v results, -vv task paths, -vvv commands sent, -vvvv stack traces
  -i, --inventory PATH    inventory file, folder or comma-separated host list (may repeat)
  -l, --limit SUBSET      further limit selected hosts to an additional pattern
  -e, --extra-vars VARS   set variables as key=value, YAML/JSON, or @file (may repeat)
  -t, --tags TAGS         only run plays and tasks tagged with these values
  --skip-tags TAGS        only run plays and tasks whose tags do not match these values
  -C, --check             don't make any changes; predict what would change
  -D, --diff              show the differences in files changed
  -f, --forks FORKS       number of hosts to run at once (default 5)
  -M, --module-path PATH  folder(s) of JS modules (NAME.js), colon-separated (may repeat)
  --list-hosts            outputs a list of matching hosts; does not run anything
  --list-tasks            list all tasks that would be executed
  --list-tags             list all available tags
  --syntax-check          perform a syntax check on the playbook, but do not execute it
  --start-at-task TASK    start the playbook at the task matching this name
  --step                  ask before each task: (N)o skips it, (y)es runs it, (c)ontinue runs the rest
  --force-handlers        run handlers even if a task fails
  --flush-cache           accepted for Ansible's sake: playtree keeps no fact cache to clear
  --json                  print one JSON document of every result and the recap instead of text
  --lock-wait SECONDS     wait this long for a tree another playtree run is using (default 0: refuse)

Connection Options:
  how, and as whom, commands reach the hosts

  -c, --connection NAME   connection of hosts that name none (local, chroot, nspawn, ssh, a plugin)
  -u, --user REMOTE_USER  connect as this user: the default of remote_user (ansible_user wins)
  --private-key, --key-file FILE
                          key file for connections that use one (ansible_private_key_file)
  -T, --timeout SECONDS   connection set-up timeout for connections that have one (ansible_timeout)
  -k, --ask-pass          accepted; no playtree connection logs in with a password

Privilege Escalation Options:
  which user tasks run as on the hosts, and how they switch to it

  -b, --become            run tasks with become (the keyword and ansible_become win)
  --become-method METHOD  how to switch user: sudo (default), su, or runuser (root only, no password)
  --become-user USER      the user to become (default root)
  -K, --ask-become-pass   ask for the password sudo wants (not needed when the connection user is root)

Vault Options:
  where the passwords of vault-encrypted files and values come from

  --vault-id LABEL@SOURCE a vault password: SOURCE is a file, an executable printing it, or 'prompt' (may repeat)
  --vault-password-file FILE
                          vault password file, or an executable that prints the password (may repeat)
  -J, --ask-vault-pass    ask for the vault password on the terminal
`;

/** Parse argv; what argparse would reject is a UsageError (exit 2), other unusable options an OptionsError (exit 5). */
export function parseCliOptions(argv: string[]): CliOptions {
  // `playtree vault` parses its own arguments; the run's options stay at their defaults.
  if (argv[0] === 'vault') return { ...parseCliOptions(['inventory', '--list']), command: 'vault', vaultArgs: argv.slice(1) };
  const isInventory = argv[0] === 'inventory';
  let parsed;
  try {
    parsed = parseArgs({
      args: isInventory ? argv.slice(1) : argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        inventory: { type: 'string', short: 'i', multiple: true },
        'inventory-file': { type: 'string', multiple: true },
        limit: { type: 'string', short: 'l' },
        tags: { type: 'string', short: 't', multiple: true },
        'skip-tags': { type: 'string', multiple: true },
        'extra-vars': { type: 'string', short: 'e', multiple: true },
        check: { type: 'boolean', short: 'C' },
        diff: { type: 'boolean', short: 'D' },
        forks: { type: 'string', short: 'f' },
        connection: { type: 'string', short: 'c' },
        verbose: { type: 'boolean', short: 'v', multiple: true },
        'list-hosts': { type: 'boolean' },
        'list-tasks': { type: 'boolean' },
        'list-tags': { type: 'boolean' },
        'syntax-check': { type: 'boolean' },
        'start-at-task': { type: 'string' },
        'force-handlers': { type: 'boolean' },
        json: { type: 'boolean' },
        'lock-wait': { type: 'string' },
        'module-path': { type: 'string', short: 'M', multiple: true },
        'vault-id': { type: 'string', multiple: true },
        'vault-password-file': { type: 'string', multiple: true },
        'vault-pass-file': { type: 'string', multiple: true },
        'ask-vault-pass': { type: 'boolean', short: 'J' },
        'ask-vault-password': { type: 'boolean' },
        become: { type: 'boolean', short: 'b' },
        'become-user': { type: 'string' },
        'become-method': { type: 'string' },
        'ask-become-pass': { type: 'boolean', short: 'K' },
        user: { type: 'string', short: 'u' },
        'private-key': { type: 'string' },
        'key-file': { type: 'string' },
        'ask-pass': { type: 'boolean', short: 'k' },
        timeout: { type: 'string', short: 'T' },
        step: { type: 'boolean' },
        'flush-cache': { type: 'boolean' },
        list: { type: 'boolean' },
        host: { type: 'string' },
        graph: { type: 'boolean' },
        vars: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see playtree --help)`);
  }
  const { values, positionals } = parsed;
  const splitList = (list: string[] | undefined) => (list ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
  let forks: number | undefined;
  if (values.forks !== undefined) {
    forks = Number(values.forks);
    if (!Number.isInteger(forks) || forks < 1) throw new UsageError(`-f/--forks must be a positive whole number, got '${values.forks}'`);
  }
  const timeout = values.timeout === undefined ? undefined : parseTimeout(values.timeout);
  const privateKey = values['private-key'] ?? values['key-file'];
  const lockWait = values['lock-wait'] === undefined ? undefined : parseLockWait(values['lock-wait'], '--lock-wait', UsageError);
  const command = values.help ? 'help' : values.version ? 'version' : isInventory ? 'inventory' : 'playbook';
  const options: CliOptions = {
    command,
    playbooks: isInventory ? [] : positionals,
    inventory: [...(values.inventory ?? []), ...(values['inventory-file'] ?? [])],
    tags: splitList(values.tags),
    skipTags: splitList(values['skip-tags']),
    extraVars: values['extra-vars'] ?? [],
    check: values.check ?? false,
    diff: values.diff ?? false,
    verbosity: values.verbose?.length ?? 0,
    listHosts: values['list-hosts'] ?? false,
    listTasks: values['list-tasks'] ?? false,
    listTags: values['list-tags'] ?? false,
    syntaxCheck: values['syntax-check'] ?? false,
    forceHandlers: values['force-handlers'] ?? false,
    json: values.json ?? false,
    vaultIds: values['vault-id'] ?? [],
    vaultPasswordFiles: [...(values['vault-password-file'] ?? []), ...(values['vault-pass-file'] ?? [])],
    askVaultPass: (values['ask-vault-pass'] ?? false) || (values['ask-vault-password'] ?? false),
    modulePath: (values['module-path'] ?? []).flatMap((p) => p.split(':')).filter(Boolean),
    become: values.become ?? false,
    askBecomePass: values['ask-become-pass'] ?? false,
    askPass: values['ask-pass'] ?? false,
    step: values.step ?? false,
    flushCache: values['flush-cache'] ?? false,
    list: values.list ?? false,
    graph: values.graph ?? false,
    vars: values.vars ?? false,
    ...(values.limit !== undefined ? { limit: values.limit } : {}),
    ...(forks !== undefined ? { forks } : {}),
    ...(lockWait !== undefined ? { lockWait } : {}),
    ...(values.connection !== undefined ? { connection: values.connection } : {}),
    ...(values['start-at-task'] !== undefined ? { startAtTask: values['start-at-task'] } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values['become-user'] !== undefined ? { becomeUser: values['become-user'] } : {}),
    ...(values['become-method'] !== undefined ? { becomeMethod: values['become-method'] } : {}),
    ...(values.user !== undefined ? { remoteUser: values.user } : {}),
    ...(privateKey !== undefined ? { privateKey } : {}),
    ...(timeout !== undefined ? { timeout } : {}),
  };
  if (isInventory && options.graph && positionals[0]) options.graphGroup = positionals[0];
  if (command === 'playbook' && options.playbooks.length === 0) throw new UsageError('the following arguments are required: playbook (see playtree --help)');
  if (command === 'inventory' && [options.list, options.host !== undefined, options.graph].filter(Boolean).length !== 1) {
    throw new OptionsError('playtree inventory needs exactly one of --list, --host HOST or --graph');
  }
  return options;
}

/** -T/--timeout: whole seconds, as argparse's int type wants (Ansible refuses 1.5 too). */
function parseTimeout(text: string): number {
  const seconds = /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(seconds)) throw new UsageError(`argument -T/--timeout: invalid int value: '${text}' (see playtree --help)`);
  return seconds;
}

/** Seconds to wait for a busy tree: a number of seconds, 0 or more (fractions allowed). */
export function parseLockWait(text: string, where: string, ErrorType: typeof UsageError | typeof OptionsError): number {
  const seconds = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) throw new ErrorType(`${where} must be a number of seconds (0 or more), got '${text}'`);
  return seconds;
}
