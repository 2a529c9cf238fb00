import { homedir } from 'node:os';
import { loadAnsibleConfig } from '../src/core/ansibleConfig.js';
import { checkOptions, ownLookupError, type LookupContext, type LookupPlugin } from './lookup.js';

/**
 * `config`: the Ansible settings playtree knows (DEFAULT_ROLES_PATH, DEFAULT_FORKS, DEFAULT_EXECUTABLE,
 * DEFAULT_FORCE_HANDLERS, DEFAULT_HOST_LIST, ANSIBLE_COW_ACCEPTLIST...), from the environment and
 * ansible.cfg as playtree reads them; with `plugin_type`/`plugin_name`, a few connection and shell
 * options from the host's variables. `on_missing`: error (default), warn or skip.
 */
const COWS = 'bud-frogs,bunny,cheese,daemon,default,dragon,elephant-in-snake,elephant,eyes,hellokitty,kitty,luke-koala,meow,milk,moofasa,moose,ren,sheep,small,stegosaurus,stimpy,supermilker,three-eyes,turkey,turtle,tux,udder,vader-koala,vader,www';

type Setting = { env: string; ini?: string; fallback: () => unknown; kind?: 'list' | 'int' | 'bool' | 'pathlist' };

const SETTINGS: Record<string, Setting> = {
  DEFAULT_ROLES_PATH: { env: 'ANSIBLE_ROLES_PATH', ini: 'roles_path', kind: 'pathlist', fallback: () => ['~/.ansible/roles', '/usr/share/ansible/roles', '/etc/ansible/roles'] },
  DEFAULT_FORKS: { env: 'ANSIBLE_FORKS', ini: 'forks', kind: 'int', fallback: () => 5 },
  DEFAULT_EXECUTABLE: { env: 'ANSIBLE_EXECUTABLE', ini: 'executable', fallback: () => '/bin/sh' },
  DEFAULT_FORCE_HANDLERS: { env: 'ANSIBLE_FORCE_HANDLERS', ini: 'force_handlers', kind: 'bool', fallback: () => false },
  DEFAULT_HOST_LIST: { env: 'ANSIBLE_INVENTORY', ini: 'inventory', kind: 'pathlist', fallback: () => ['/etc/ansible/hosts'] },
  DEFAULT_REMOTE_TMP: { env: 'ANSIBLE_REMOTE_TEMP', ini: 'remote_tmp', fallback: () => '~/.ansible/tmp' },
  DEFAULT_LOCAL_TMP: { env: 'ANSIBLE_LOCAL_TEMP', ini: 'local_tmp', fallback: () => `${homedir()}/.ansible/tmp` },
  ANSIBLE_COW_ACCEPTLIST: { env: 'ANSIBLE_COW_ACCEPTLIST', ini: 'cowsay_enabled_stencils', kind: 'list', fallback: () => COWS.split(',') },
};

/** Plugin options read from host variables, as `plugin_type`/`plugin_name` asks. */
const PLUGIN_OPTIONS: Record<string, Record<string, { vars: string[]; fallback: unknown }>> = {
  'connection.ssh': {
    remote_user: { vars: ['ansible_user', 'ansible_ssh_user'], fallback: null },
    port: { vars: ['ansible_port', 'ansible_ssh_port'], fallback: 22 },
    host: { vars: ['ansible_host', 'ansible_ssh_host'], fallback: null },
  },
  'shell.sh': { remote_tmp: { vars: ['ansible_remote_tmp'], fallback: '~/.ansible/tmp' } },
};

export const configLookup: LookupPlugin = {
  name: 'config',
  run: (terms, options, context) => {
    checkOptions('config', options, ['on_missing', 'plugin_type', 'plugin_name']);
    const onMissing = String(options['on_missing'] ?? 'error');
    if (!['error', 'warn', 'skip'].includes(onMissing)) throw ownLookupError(`"on_missing" must be a string and one of "error", "warn" or "skip", not ${onMissing}; valid values are error, warn, skip`);
    const plugin = options['plugin_type'] === undefined ? undefined : `${String(options['plugin_type'])}.${String(options['plugin_name'])}`;
    const out: unknown[] = [];
    for (const term of terms) {
      if (typeof term !== 'string') throw ownLookupError(`Invalid setting identifier, "${String(term)}" is not a string, its a ${typeof term}`);
      const value = plugin === undefined ? settingValue(term) : pluginOption(plugin, term, context);
      if (value !== undefined) out.push(value);
      else if (onMissing === 'error') throw ownLookupError(`Unable to find setting ${term}`);
      else if (onMissing === 'warn') context.warn(`Skipping, did not find setting ${term}`);
    }
    return out;
  },
};

function settingValue(name: string): unknown {
  if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw ownLookupError(`Invalid setting "${name}" attempted`);
  const setting = SETTINGS[name];
  if (!setting) return undefined;
  const config = loadAnsibleConfig();
  const raw = process.env[setting.env] ?? (setting.ini ? config.sections['defaults']?.[setting.ini] : undefined);
  if (raw === undefined) return setting.kind === 'pathlist' ? (setting.fallback() as string[]).map(expandHome) : setting.fallback();
  switch (setting.kind) {
    case 'int':
      return Number(raw);
    case 'bool':
      return ['1', 'true', 'yes', 'on', 'y', 't'].includes(raw.toLowerCase());
    case 'list':
      return raw.split(',').map((item) => item.trim());
    case 'pathlist':
      return raw.split(/[:,]/).map((item) => expandHome(item.trim())).filter(Boolean);
    default:
      return raw;
  }
}

function expandHome(path: string): string {
  return path.replace(/^~(?=$|\/)/, homedir());
}

function pluginOption(plugin: string, name: string, context: LookupContext): unknown {
  const option = PLUGIN_OPTIONS[plugin]?.[name];
  if (!option) return undefined;
  for (const variable of option.vars) {
    const value = context.variable(variable);
    if (value !== undefined) return name === 'port' ? Number(value) : value;
  }
  return option.fallback;
}
