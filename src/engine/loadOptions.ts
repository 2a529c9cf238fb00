import { isAnsibleModuleElsewhere } from '../../modules/ansibleModuleNames.js';
import { isModuleName } from '../../modules/index.js';
import { addModuleFolder } from '../../modules/library.js';
import type { RunOptions } from './context.js';

/** Actions the engine itself carries out (not modules). */
export const ENGINE_ACTIONS = ['include_tasks', 'include_role', 'import_tasks', 'import_role', 'meta'];

/**
 * How the playbook loader tells a module name from a typo, and where it finds roles. An Ansible module
 * playtree lacks loads (it fails when a host reaches it), as it would in Ansible where it exists.
 */
export function playbookLoadOptions(options: Pick<RunOptions, 'rolesPath' | 'extraVars'>) {
  return {
    isModule: (name: string) => isModuleName(name) || isAnsibleModuleElsewhere(name) || ENGINE_ACTIONS.includes(name.replace(/^ansible\.(builtin|legacy)\./, '')),
    rolesPath: options.rolesPath,
    addPluginFolder: (folder: string, owner: string) => addModuleFolder(folder, { owner }),
    extraVars: options.extraVars,
  };
}
