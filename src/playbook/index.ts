/** The playbook loader's public API: YAML playbooks, task files and roles into the data of types.ts. */
export { loadPlaybook, loadRole, loadTaskFile, loadVarsFile, type RuntimeLoadOptions } from './load.js';
export type { LoadOptions } from './loadContext.js';
export type { RoleFiles } from './roles.js';
export { parseYamlText, readYamlFile, positionOf, positionOfKey, positionOfValue } from '../core/yamlSource.js';
export * from './types.js';
