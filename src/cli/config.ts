import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'ini';
import { toBoolean } from '../boolean.js';

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
  if (!file) return { sections: {}, inventory: [], rolesPath: [], library: [] };
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
    rolesPath: paths(defaults['roles_path']),
    library: paths(defaults['library']),
  };
}
