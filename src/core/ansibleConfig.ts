import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'ini';
import { toBoolean } from './boolean.js';

/** ansible.cfg, as far as playtree reads it. */
export interface AnsibleConfig {
  /** The file read, if any. */
  file?: string;
  sections: Record<string, Record<string, string>>;
  inventory: string[];
  forks?: number;
  executable?: string;
  /** [defaults] force_handlers: the default of --force-handlers. */
  forceHandlers?: boolean;
  rolesPath: string[];
  /** [defaults] gather_subset, gather_timeout, fact_path (or their ANSIBLE_* variables): Gathering Facts' defaults. */
  gatherDefaults: Record<string, string>;
  /** [defaults] inject_facts_as_vars (ANSIBLE_INJECT_FACT_VARS): facts also as `ansible_*` variables. */
  injectFactsAsVars: boolean;
  /** [defaults] library: folders of JS modules. */
  library: string[];
}

/**
 * Find and read ansible.cfg the way Ansible does: $ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg
 * (/etc/ansible/ansible.cfg last). Only the first one found is read.
 */
export function loadAnsibleConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AnsibleConfig {
  const candidates = [env['ANSIBLE_CONFIG'], join(cwd, 'ansible.cfg'), join(homedir(), '.ansible.cfg'), '/etc/ansible/ansible.cfg'];
  const file = candidates.find((candidate): candidate is string => Boolean(candidate) && existsSync(candidate!));
  if (!file) return { sections: {}, inventory: [], rolesPath: envRolesPath(env, cwd) ?? [], library: [], ...factSettings({}, env) };
  const sections = parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;
  const defaults = sections['defaults'] ?? {};
  const here = dirname(resolve(file));
  const paths = (value: string | undefined) =>
    (value ?? '').split(/[,:]/).map((p) => p.trim()).filter(Boolean).map((p) => (isAbsolute(p) ? p : resolve(here, p.replace(/^~/, homedir()))));
  const forks = defaults['forks'] === undefined ? undefined : Number(defaults['forks']);
  return {
    file,
    sections,
    inventory: (defaults['inventory'] ?? defaults['hostfile'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => (isAbsolute(p) || !existsSync(resolve(here, p)) ? p : resolve(here, p))),
    ...(forks !== undefined && Number.isInteger(forks) ? { forks } : {}),
    ...(defaults['executable'] ? { executable: defaults['executable'] } : {}),
    ...(toBoolean(defaults['force_handlers']) ? { forceHandlers: true } : {}),
    rolesPath: envRolesPath(env, cwd) ?? paths(defaults['roles_path']),
    ...factSettings(defaults, env),
    library: paths(defaults['library']),
  };
}

/** $ANSIBLE_ROLES_PATH (colon-separated, relative to the working folder), which wins over ansible.cfg as in Ansible. */
function envRolesPath(env: NodeJS.ProcessEnv, cwd: string): string[] | undefined {
  const value = env['ANSIBLE_ROLES_PATH'];
  if (!value) return undefined;
  return value.split(':').map((p) => p.trim()).filter(Boolean).map((p) => resolve(cwd, p.replace(/^~(?=$|\/)/, homedir())));
}

/** The fact settings of ansible.cfg [defaults], each overridden by its environment variable as in Ansible. */
function factSettings(defaults: Record<string, string>, env: NodeJS.ProcessEnv): Pick<AnsibleConfig, 'gatherDefaults' | 'injectFactsAsVars'> {
  const gatherDefaults: Record<string, string> = {};
  const names: Array<[string, string]> = [['gather_subset', 'ANSIBLE_GATHER_SUBSET'], ['gather_timeout', 'ANSIBLE_GATHER_TIMEOUT'], ['fact_path', 'ANSIBLE_FACT_PATH']];
  for (const [key, variable] of names) {
    const value = env[variable] ?? defaults[key];
    if (value !== undefined && value !== '') gatherDefaults[key] = value;
  }
  return { gatherDefaults, injectFactsAsVars: toBoolean(env['ANSIBLE_INJECT_FACT_VARS'] ?? defaults['inject_facts_as_vars'] ?? true) !== false };
}

/** Connection and become settings of ansible.cfg, each overridden by its ANSIBLE_* variable as in Ansible. */
export interface AccessSettings {
  remoteUser?: string;
  privateKeyFile?: string;
  timeout?: number;
  become?: boolean;
  becomeUser?: string;
  becomeMethod?: string;
  becomeAskPass?: boolean;
}

/** [defaults] remote_user, private_key_file, timeout; [privilege_escalation] become, become_user, become_method, become_ask_pass. */
export function accessSettings(config: AnsibleConfig, env: NodeJS.ProcessEnv = process.env): AccessSettings {
  const read = (section: string, key: string, variable: string): string | undefined => {
    const value = env[variable] ?? config.sections[section]?.[key];
    return value === undefined || value === '' ? undefined : String(value);
  };
  const settings: AccessSettings = {};
  const remoteUser = read('defaults', 'remote_user', 'ANSIBLE_REMOTE_USER');
  if (remoteUser !== undefined) settings.remoteUser = remoteUser;
  const keyFile = read('defaults', 'private_key_file', 'ANSIBLE_PRIVATE_KEY_FILE');
  if (keyFile !== undefined) settings.privateKeyFile = keyFile.replace(/^~(?=$|\/)/, homedir());
  const timeout = Number(read('defaults', 'timeout', 'ANSIBLE_TIMEOUT'));
  if (Number.isInteger(timeout)) settings.timeout = timeout;
  const become = read('privilege_escalation', 'become', 'ANSIBLE_BECOME');
  if (become !== undefined) settings.become = toBoolean(become) === true;
  const becomeUser = read('privilege_escalation', 'become_user', 'ANSIBLE_BECOME_USER');
  if (becomeUser !== undefined) settings.becomeUser = becomeUser;
  const becomeMethod = read('privilege_escalation', 'become_method', 'ANSIBLE_BECOME_METHOD');
  if (becomeMethod !== undefined) settings.becomeMethod = becomeMethod;
  const askPass = read('privilege_escalation', 'become_ask_pass', 'ANSIBLE_BECOME_ASK_PASS');
  if (askPass !== undefined) settings.becomeAskPass = toBoolean(askPass) === true;
  return settings;
}
