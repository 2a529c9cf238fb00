import { dirname, isAbsolute, join } from 'node:path';
import { existsSync } from 'node:fs';
import { argsFromFreeForm, validateModuleArgs } from '../../modules/args.js';
import { toBoolean } from '../core/boolean.js';
import { isAnsibleModuleElsewhere } from '../../modules/ansibleModuleNames.js';
import { loadModule } from '../../modules/index.js';
import type { ModuleContext, ModuleDefinition, ModuleResult, Target } from '../../modules/module.js';
import { ModuleError, PlaytreeError, TemplateError } from '../core/errors.js';
import type { Task } from '../playbook/types.js';
import { isOmit, renderTemplateFile, type Templar } from '../template/index.js';
import type { PlayContext } from './context.js';
import { connectionUser, delegatedConnection, hostConnection } from './connect.js';
import type { HostState } from './hostState.js';
import { mergeModuleDefaults, type Scope } from './scope.js';
import { ConnectionTarget, type TaskExecution } from './target.js';
import { withProperties } from '../core/objectCopies.js';

/** What one module call needs besides the task. */
export interface Invocation {
  ctx: PlayContext;
  host: HostState;
  task: Task;
  scope: Scope;
  vars: Record<string, unknown>;
  templar: Templar;
  check: boolean;
  diff: boolean;
  /** The host the task is delegated to (`delegate_to`), when it is not the task's own host. */
  delegatedTo?: string;
  /** `no_log`: the renderers get a censored result (register keeps the real one). */
  noLog?: boolean;
  /** `delegate_facts`: the host the task's facts go to (the delegated one), when not the task's host. */
  factsHost?: HostState;
}

export async function moduleFor(task: Task): Promise<ModuleDefinition> {
  const module = await loadModule(task.action);
  if (!module && isAnsibleModuleElsewhere(task.action)) {
    const short = task.action.split('.').at(-1);
    throw new ModuleError(
      `'${task.action}' is an Ansible module playtree does not have: skip the task on this target (when:), or add a JS module as library/${short}.js beside the playbook or in the role`,
    );
  }
  if (!module) throw new ModuleError(`couldn't resolve module/action '${task.action}'`);
  return module;
}

/** The task's arguments: free-form text split, templates rendered, `omit` dropped, checked against the module. */
export function moduleArguments(module: ModuleDefinition, task: Task, templar: Templar, defaults: Record<string, unknown> = {}): Record<string, unknown> {
  let raw: Record<string, unknown>;
  if (typeof task.args === 'string') raw = argsFromFreeForm(module, task.args, task.actionPosition);
  else if (typeof task.args['_raw_params'] === 'string' && module.freeForm !== '_raw_params') {
    // Free-form text plus an `args:` mapping: split the text as if it stood alone, `args:` on top.
    const { _raw_params: text, ...rest } = task.args;
    raw = { ...argsFromFreeForm(module, text, task.actionPosition), ...rest };
  } else raw = task.args;
  if (typeof raw['_variable_params'] === 'string') {
    const { _variable_params: params, ...rest } = raw;
    const rendered = templar.render(params);
    if (!rendered || typeof rendered !== 'object' || Array.isArray(rendered)) throw new ModuleError(`the arguments of '${module.name}' did not render to a mapping`);
    raw = { ...(rendered as Record<string, unknown>), ...rest };
  }
  // module_defaults fill what the task does not say itself.
  const rendered = templar.render({ ...defaults, ...raw }) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rendered)) if (!isOmit(value)) args[key] = value;
  if (module.anyArgs) return args;
  return validateModuleArgs(module, args);
}

/**
 * A looped task whose arguments do not render for an item (an undefined variable, a template error): as in
 * ansible-core, the loop stops there and the whole task fails with that error, keeping no item results.
 */
export class LoopItemArgumentsError extends PlaytreeError {
  constructor(readonly templateError: TemplateError) {
    super(templateError.message);
  }
}

/** Run the task's module once (one loop item) on the host. */
export async function invokeModule(invocation: Invocation, module: ModuleDefinition): Promise<ModuleResult & { roundTrips?: number }> {
  const { ctx, host, task, templar } = invocation;
  let args: Record<string, unknown>;
  try {
    args = moduleArguments(module, task, templar, moduleDefaultsFor(invocation));
  } catch (error) {
    throw task.loop !== undefined && error instanceof TemplateError ? new LoopItemArgumentsError(error) : error;
  }
  const target = module.local ? unusedTarget(module.name) : await taskTarget(invocation);
  const moduleContext: ModuleContext = {
    args,
    host: host.name,
    check: invocation.check,
    diff: invocation.diff,
    verbosity: ctx.run.options.verbosity,
    target,
    controller: {
      playbookDir: ctx.run.playbook.dir,
      findFile: (kind, name) => findControllerFile(ctx, task, invocation.scope, kind, name),
      searchFolders: () => controllerSearchFolders(ctx, task, invocation.scope),
      ansibleManaged: ctx.run.options.config['defaults']?.['ansible_managed'],
    },
    render: (text, extra) => templar.renderText(text, extra),
    renderFile: (path, options) => renderTemplateFile(templar, path, options),
    evaluate: (expression) => templar.evaluate(expression),
    log: (verbosity, message) => {
      if (!host.noLog) ctx.run.events.log(verbosity, `<${host.name}> ${message}`);
    },
    display: (message) => {
      if (!host.noLog) ctx.run.events.log(0, message);
    },
  };
  const result = await module.run(moduleContext);
  return target instanceof ConnectionTarget ? withProperties(result, { roundTrips: target.roundTrips }) : result;
}

/** Groups (`group/...`) name action groups of collections playtree does not have: warned about once. */
const warnedGroups = new WeakSet<object>();

/**
 * The module_defaults that apply to the task's module (play, blocks, task; the innermost wins), matched by
 * name: `copy`, `ansible.builtin.copy` and `ansible.legacy.copy` are the same module.
 */
function moduleDefaultsFor(invocation: Invocation): Record<string, unknown> {
  const { task, scope, ctx } = invocation;
  const all = mergeModuleDefaults(scope.moduleDefaults, task.moduleDefaults);
  if (!all) return {};
  const short = (name: string) => name.replace(/^ansible\.(builtin|legacy)\./, '');
  const defaults: Record<string, unknown> = {};
  for (const [name, args] of Object.entries(all)) {
    if (name.startsWith('group/')) {
      if (!warnedGroups.has(args)) ctx.run.events.warning(`module_defaults: '${name}' is an action group, which playtree does not have; ignored`);
      warnedGroups.add(args);
    } else if (short(name) === short(task.action)) Object.assign(defaults, args);
  }
  return defaults;
}

async function taskTarget(invocation: Invocation): Promise<ConnectionTarget> {
  const { ctx, host, task, scope, vars, templar, delegatedTo } = invocation;
  const connection =
    delegatedTo === undefined
      ? await hostConnection(ctx, host, scope, vars, templar, { remoteUser: task.remoteUser ?? scope.remoteUser, port: task.port ?? scope.port })
      : await delegatedConnection(ctx, host, delegatedTo);
  return new ConnectionTarget(connection, taskExecution(invocation, connection.transport));
}

/** The task's `environment` and `become`, resolved for this host. */
function taskExecution(invocation: Invocation, transport: string): TaskExecution {
  const { task, scope, templar, ctx } = invocation;
  const environment: Record<string, string> = {};
  for (const layer of [...scope.environment, ...(task.environment ? [task.environment] : [])]) {
    const rendered = templar.render(layer);
    if (!rendered || typeof rendered !== 'object') throw new ModuleError('environment must be a mapping of names to values');
    for (const [name, value] of Object.entries(rendered as Record<string, unknown>)) {
      // The name goes into the command line unquoted (NAME=value; export NAME): only a shell name is safe there.
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ModuleError(`environment: '${name}' is not a valid variable name (letters, digits and _, not starting with a digit)`);
      environment[name] = String(value);
    }
  }
  const execution: TaskExecution = { environment };
  const executable = templar.variableOrNone('ansible_executable') ?? ctx.run.options.executable;
  if (typeof executable === 'string') execution.executable = executable;
  return { ...execution, ...taskBecome(invocation, transport) };
}

/**
 * become, become_user and become_method as ansible-playbook resolves them: the host's variable
 * (ansible_become...) first, then the task's keyword, the blocks', role's and play's, then the command line
 * (-b, --become-user, --become-method), then ansible.cfg [privilege_escalation]; sudo and root by default.
 */
function taskBecome(invocation: Invocation, transport: string): Pick<TaskExecution, 'becomeUser' | 'becomeMethod' | 'becomeExe' | 'becomePassword'> {
  const { task, scope, templar, ctx } = invocation;
  const options = ctx.run.options;
  const setting = (variable: string, keyword: unknown, fallback: unknown): unknown => {
    const fromVars = templar.variableOrNone(variable);
    if (fromVars !== null && fromVars !== undefined) return fromVars;
    return keyword === undefined ? fallback : templar.render(keyword);
  };
  if (!toBoolean(setting('ansible_become', task.become ?? scope.become, options.become ?? false))) return {};
  const user = String(setting('ansible_become_user', task.becomeUser ?? scope.becomeUser, options.becomeUser ?? 'root'));
  const remoteUser = task.remoteUser ?? scope.remoteUser;
  const renderedRemote = remoteUser === undefined ? options.remoteUser : String(templar.render(remoteUser));
  if (user === connectionUser(transport, templar, renderedRemote)) return {};
  const become: ReturnType<typeof taskBecome> = {
    becomeUser: user,
    becomeMethod: String(setting('ansible_become_method', task.becomeMethod ?? scope.becomeMethod, options.becomeMethod ?? 'sudo')),
  };
  const exe = templar.variableOrNone('ansible_become_exe');
  if (typeof exe === 'string' && exe) become.becomeExe = exe;
  const password = templar.evaluate('ansible_become_password | default(ansible_become_pass | default(None))') ?? options.becomePassword;
  if (typeof password === 'string') become.becomePassword = password;
  return become;
}

function unusedTarget(module: string): Target {
  const refuse = (): never => {
    throw new ModuleError(`module ${module} runs on the controller and has no target`);
  };
  return { exec: refuse, put: refuse, fetch: refuse };
}

/**
 * Ansible's search for a controller file (`src:` of copy/template, include_vars' file): the role's files/,
 * templates/ or vars/, the role folder, beside the task file, then the playbook folder (each with and without
 * the kind folder).
 */
/** Ansible's search path for a task's controller files: the role's folder, the task file's, the playbook's. */
export function controllerSearchFolders(ctx: PlayContext, task: Task, scope: Scope): string[] {
  const role = task.role ?? scope.role;
  return [...new Set([...(role ? [role.path] : []), dirname(task.position.file), ctx.run.playbook.dir])];
}

export function findControllerFile(ctx: PlayContext, task: Task, scope: Scope, kind: 'files' | 'templates' | 'vars', name: string): string {
  if (isAbsolute(name)) return name;
  const folders: string[] = [];
  const role = task.role ?? scope.role;
  if (role) folders.push(join(role.path, kind), role.path, join(role.path, 'tasks'));
  const taskDir = dirname(task.position.file);
  folders.push(join(taskDir, kind), taskDir, join(ctx.run.playbook.dir, kind), ctx.run.playbook.dir);
  const candidates = [...new Set(folders)].map((folder) => join(folder, name));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found) return found;
  throw new ModuleError(`Could not find or access '${name}'; searched: ${candidates.join(', ')}`);
}
