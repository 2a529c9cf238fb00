import type { ConnectionOptions } from './connection.js';

/**
 * First set value among host variable, environment variable and ansible.cfg `[section] key`, in Ansible's
 * order of precedence (variables win over environment, environment over configuration).
 */
export function pickOption(
  options: ConnectionOptions,
  env: NodeJS.ProcessEnv,
  sources: { variable?: string; environment?: string; section?: string; key?: string },
): string | undefined {
  const fromVars = sources.variable === undefined ? undefined : options.vars[sources.variable];
  if (fromVars !== undefined && fromVars !== null && fromVars !== '') return String(fromVars);
  const fromEnv = sources.environment === undefined ? undefined : env[sources.environment];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (sources.section === undefined || sources.key === undefined) return undefined;
  const fromConfig = options.config[sources.section]?.[sources.key];
  return fromConfig === undefined || fromConfig === '' ? undefined : fromConfig;
}

/**
 * The shell that runs every command: `ansible_executable`, else `ANSIBLE_EXECUTABLE`, else ansible.cfg
 * `[defaults] executable`, else `/bin/sh`, as Ansible resolves its `executable` setting.
 */
export function resolveExecutable(options: ConnectionOptions, env: NodeJS.ProcessEnv): string {
  return (
    pickOption(options, env, {
      variable: 'ansible_executable',
      environment: 'ANSIBLE_EXECUTABLE',
      section: 'defaults',
      key: 'executable',
    }) ?? '/bin/sh'
  );
}
