import type { Block, CommonKeywords, Play, Role, RoleReference } from '../playbook/types.js';

/**
 * What a task inherits from the play, the blocks, roles and includes around it: the variable layers
 * by precedence and the keywords that flow down (when, tags, become, environment, ...).
 */
export interface Scope {
  /** Role defaults of the enclosing roles, outermost first (lowest precedence of all). */
  roleDefaults: Record<string, unknown>[];
  /** Role vars of the enclosing roles. */
  roleVars: Record<string, unknown>[];
  /** Block vars, outermost first. */
  blockVars: Record<string, unknown>[];
  /** Role params and include params (high precedence). */
  params: Record<string, unknown>[];
  /** Conditions inherited from blocks and static imports, ANDed with the task's own. */
  when: Array<string | boolean>;
  tags: string[];
  environment: Array<Record<string, unknown> | string>;
  become?: boolean | string;
  becomeUser?: string;
  becomeMethod?: string;
  remoteUser?: string;
  port?: number | string;
  ignoreErrors?: boolean | string;
  checkMode?: boolean | string;
  diff?: boolean | string;
  runOnce?: boolean | string;
  noLog?: boolean | string;
  anyErrorsFatal?: boolean;
  connection?: string;
  /** module_defaults of the play and blocks around, the innermost winning argument by argument. */
  moduleDefaults?: Record<string, Record<string, unknown>>;
  throttle?: number | string;
  role?: Role;
  /** Inside a block that has a rescue section: a failure is rescued, not final. */
  rescuable: boolean;
  /** Inside a rescue or always section: any_errors_fatal lets the host finish it. */
  recovering?: boolean;
}

export function rootScope(): Scope {
  return { roleDefaults: [], roleVars: [], blockVars: [], params: [], when: [], tags: [], environment: [], rescuable: false };
}

/** The scope for the children of a block/play/role reference: its keywords are added to the parent's. */
export function childScope(parent: Scope, keywords: CommonKeywords, extra: Partial<Scope> = {}): Scope {
  return {
    ...parent,
    blockVars: Object.keys(keywords.vars).length ? [...parent.blockVars, keywords.vars] : parent.blockVars,
    when: keywords.when.length ? [...parent.when, ...keywords.when] : parent.when,
    tags: keywords.tags.length ? [...new Set([...parent.tags, ...keywords.tags])] : parent.tags,
    environment: keywords.environment ? [...parent.environment, keywords.environment] : parent.environment,
    become: keywords.become ?? parent.become,
    becomeUser: keywords.becomeUser ?? parent.becomeUser,
    becomeMethod: keywords.becomeMethod ?? parent.becomeMethod,
    remoteUser: keywords.remoteUser ?? parent.remoteUser,
    port: keywords.port ?? parent.port,
    ignoreErrors: keywords.ignoreErrors ?? parent.ignoreErrors,
    checkMode: keywords.checkMode ?? parent.checkMode,
    diff: keywords.diff ?? parent.diff,
    runOnce: keywords.runOnce ?? parent.runOnce,
    noLog: keywords.noLog ?? parent.noLog,
    anyErrorsFatal: keywords.anyErrorsFatal ?? parent.anyErrorsFatal,
    connection: keywords.connection ?? parent.connection,
    moduleDefaults: mergeModuleDefaults(parent.moduleDefaults, keywords.moduleDefaults),
    throttle: keywords.throttle ?? parent.throttle,
    ...extra,
  };
}

/**
 * The scope inside a block. A block that carries a role (import_role, a role's meta dependencies) brings
 * that role's defaults and vars with it.
 */
export function blockScope(parent: Scope, block: Block, rescuable: boolean): Scope {
  const entersRole = block.role !== undefined && block.role !== parent.role;
  return childScope(parent, block, {
    rescuable: parent.rescuable || rescuable,
    role: block.role ?? parent.role,
    ...(entersRole ? roleLayers(parent, block.role!) : {}),
    ...(block.importsRole && parent.role ? { params: [...parent.params, parentRoleParams(parent, parent.role)] } : {}),
  });
}

/**
 * What an import_role or include_role inside role `parent` tells the role it brings in, as ansible-core's
 * include parameters do: the chain of roles that included it, closest first.
 */
export function parentRoleParams(scope: Scope, parent: Role): Record<string, unknown> {
  const outer = [...scope.params].reverse().find((layer) => Array.isArray(layer['ansible_parent_role_names']));
  const names = (outer?.['ansible_parent_role_names'] as unknown[] | undefined) ?? [];
  const paths = (outer?.['ansible_parent_role_paths'] as unknown[] | undefined) ?? [];
  return { ansible_parent_role_names: [parent.name, ...names], ansible_parent_role_paths: [parent.path, ...paths] };
}

/**
 * Entering a role: its variable layers as ansible-core's Role.get_vars/get_default_vars build them. Vars:
 * the enclosing roles' (the dependency chain), then its dependencies', then its own. Defaults: its
 * dependencies', then the enclosing roles', then its own.
 */
export function roleLayers(parent: Scope, role: Role): Pick<Scope, 'role' | 'roleDefaults' | 'roleVars'> {
  return {
    role,
    roleDefaults: [exported(role, 'defaults'), ...parent.roleDefaults, role.defaults],
    roleVars: [...parent.roleVars, exported(role, 'vars'), role.vars],
  };
}

/** The vars (or defaults) a role's dependencies bring, each dependency's own dependencies first. */
function exported(role: Role, kind: 'vars' | 'defaults'): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const dependency of role.dependencies ?? []) Object.assign(merged, exported(dependency, kind), dependency[kind]);
  return merged;
}

/** The scope of a play's own tasks: its keywords (its vars are play vars, a layer of their own). */
export function playScope(play: Play): Scope {
  return childScope(rootScope(), { ...play, vars: {} });
}

/** The scope inside a role listed in `roles:`: the reference's keywords, the role's defaults and vars, its params. */
export function roleReferenceScope(parent: Scope, reference: RoleReference): Scope {
  return childScope(parent, { ...reference, vars: {} }, {
    ...roleLayers(parent, reference.role),
    params: [{ ...reference.vars, ...reference.params }],
  });
}

/** module_defaults of an outer and an inner level: per module, the inner level's arguments win. */
export function mergeModuleDefaults(
  outer: Record<string, Record<string, unknown>> | undefined,
  inner: Record<string, Record<string, unknown>> | undefined,
): Record<string, Record<string, unknown>> | undefined {
  if (!inner) return outer;
  if (!outer) return inner;
  const merged = { ...outer };
  for (const [module, args] of Object.entries(inner)) merged[module] = { ...merged[module], ...args };
  return merged;
}
