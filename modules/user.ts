import { dirname } from 'node:path/posix';
import { ModuleError } from '../src/core/errors.js';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import { findGroup, memberships, readAccounts, type AccountState } from './accountDatabase.js';
import type { ModuleDefinition, ModuleResult } from './module.js';

/**
 * ansible.builtin.user on Linux: name (user), state, uid, non_unique, group, groups, append, comment, home,
 * shell, password (a crypt hash), update_password, password_lock, create_home (createhome), skeleton, system,
 * move_home, remove, force, expires, password_expire_min, password_expire_max (chage). Runs useradd/usermod/userdel INSIDE the target, so an image tree's own
 * /etc/passwd, /etc/group and /etc/shadow change, never the controller's. One command reads the account and
 * every group; one command changes it and reads it back.
 * Not supported: ssh key generation, password_expire_warn, login_class, seuser, local, and the
 * macOS/BSD/AIX options.
 */
export const userModule: ModuleDefinition = {
  name: 'user',
  args: {
    name: { type: 'str', required: true, aliases: ['user'] },
    state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
    uid: { type: 'int' },
    non_unique: { type: 'bool', default: false },
    group: { type: 'str' },
    groups: { type: 'list', elements: 'str' },
    append: { type: 'bool', default: false },
    comment: { type: 'str' },
    home: { type: 'path' },
    shell: { type: 'str' },
    password: { type: 'str' },
    update_password: { type: 'str', default: 'always', choices: ['always', 'on_create'] },
    password_lock: { type: 'bool' },
    create_home: { type: 'bool', default: true, aliases: ['createhome'] },
    skeleton: { type: 'str' },
    system: { type: 'bool', default: false },
    move_home: { type: 'bool', default: false },
    remove: { type: 'bool', default: false },
    force: { type: 'bool', default: false },
    expires: { type: 'float' },
    password_expire_min: { type: 'int' },
    password_expire_max: { type: 'int' },
  },
  async run(ctx) {
    const a = ctx.args;
    const name = a['name'] as string;
    if (name === '' || name.startsWith('-') || name.includes(':')) throw new ModuleError(`invalid user name '${name}'`);
    const home = a['home'] as string | undefined;
    const state = await readAccounts(ctx.target, name, { home });
    const warnings = passwordWarnings(a['password'] as string | undefined);
    const result: ModuleResult = { changed: false, name, state: a['state'] };
    if (warnings.length) result['warnings'] = warnings;
    if (a['state'] === 'absent') {
      if (!state.user) return result;
      if (ctx.check) return { changed: true };
      const argv = ['userdel', ...(a['force'] ? ['-f'] : []), ...(a['remove'] ? ['-r'] : []), name];
      const after = await readAccounts(ctx.target, name, { commands: [shellJoin(argv)] });
      return { ...result, changed: true, force: a['force'], remove: a['remove'], ...output(after) };
    }
    const plan = state.user ? modifyCommands(a, state) : createCommands(a, state);
    if (!state.user && ctx.check) return { changed: true };
    const commands = [...plan, ...passwordAgeCommands(a, state)].map((argv) => shellJoin(argv));
    // An existing user's missing home is made afterwards (Ansible does too), from the skeleton, owned by the
    // user; not when usermod -m is moving the old one there.
    const finalHome = home ?? state.user?.home;
    const moving = a['move_home'] && home !== undefined && home !== state.user?.home;
    if (state.user && a['create_home'] && finalHome && !state.homeExists && !moving) {
      commands.push(makeHomeCommand(finalHome, name, a['skeleton'] as string | undefined));
    }
    const changed = commands.length > 0;
    let after: AccountState = state;
    if (changed && !ctx.check) after = await readAccounts(ctx.target, name, { commands, home });
    if (state.user) Object.assign(result, { append: a['append'], move_home: a['move_home'] });
    else Object.assign(result, { system: a['system'], create_home: a['create_home'] });
    if (a['password'] !== undefined) result['password'] = 'NOT_LOGGING_PASSWORD';
    if (!after.user) throw new ModuleError(`failed to look up user name: ${name}`);
    Object.assign(result, {
      changed,
      uid: after.user.uid,
      group: after.user.gid,
      comment: after.user.comment,
      home: after.user.home,
      shell: after.user.shell,
      ...output(after),
    });
    if (a['groups'] !== undefined) result['groups'] = (a['groups'] as string[]).join(',');
    return result;
  },
};

type Args = Record<string, unknown>;

function output(state: { stderr?: string }): Record<string, string> {
  return state.stderr ? { stderr: state.stderr } : {};
}

/** Expected length of the hash part of `$1$`, `$5$` and `$6$` crypt strings. */
const HASH_LENGTHS: Record<string, number> = { '1': 22, '5': 43, '6': 86 };

/**
 * Ansible warns when `password` does not look like a crypt hash (it is stored as given): by its rules, the
 * account-disabling `*`, `!` and `*************` pass; text with `:`, `*` or `!`, without `$`, with fewer than
 * three `$` fields, with a hash part outside `[a-zA-Z0-9./=]` or of the wrong length for md5/sha256/sha512 does not.
 */
export function passwordWarnings(password: string | undefined): string[] {
  if (!password || ['*', '!', '*************'].includes(password) || !looksUnhashed(password)) return [];
  return ["The input password appears not to have been hashed. The 'password' argument must be encrypted for this module to work properly."];
}

function looksUnhashed(password: string): boolean {
  if (/[:*!]/.test(password) || !password.includes('$')) return true;
  const fields = password.split('$');
  if (fields.length < 3) return true;
  const hash = fields.at(-1)!;
  const length = HASH_LENGTHS[fields[1]!];
  return /[^a-zA-Z0-9./=]/.test(hash) || (length !== undefined && hash.length !== length);
}

function checkedGroups(a: Args, state: AccountState): string[] {
  const groups = a['groups'] as string[];
  for (const group of groups) if (!findGroup(state.groups, group)) throw new ModuleError(`Group ${group} does not exist`);
  return groups;
}

/** useradd's argv for a new user, as Ansible builds it (and the parent of `home` made first). */
export function createCommands(a: Args, state: AccountState): string[][] {
  const name = a['name'] as string;
  const argv = ['useradd'];
  if (a['uid'] !== undefined) argv.push('-u', String(a['uid']), ...(a['non_unique'] ? ['-o'] : []));
  if (a['group'] !== undefined) {
    if (!findGroup(state.groups, a['group'] as string)) throw new ModuleError(`Group ${String(a['group'])} does not exist`);
    argv.push('-g', a['group'] as string);
  } else if (findGroup(state.groups, name)) {
    // A group named like the user already exists: -N, or useradd fails trying to create it (USERGROUPS_ENAB).
    argv.push('-N');
  }
  if (a['groups'] !== undefined && (a['groups'] as string[]).length) argv.push('-G', checkedGroups(a, state).join(','));
  if (a['comment'] !== undefined) argv.push('-c', a['comment'] as string);
  const commands: string[][] = [];
  if (a['home'] !== undefined) {
    if (a['create_home']) commands.push(['mkdir', '-p', '--', dirname(a['home'] as string)]);
    argv.push('-d', a['home'] as string);
  }
  if (a['shell'] !== undefined) argv.push('-s', a['shell'] as string);
  if (a['expires'] !== undefined) argv.push('-e', expiryDate(a['expires'] as number));
  if (a['password'] !== undefined) argv.push('-p', `${a['password_lock'] ? '!' : ''}${String(a['password'])}`);
  if (a['create_home']) {
    argv.push('-m');
    if (a['skeleton'] !== undefined) argv.push('-k', a['skeleton'] as string);
  } else argv.push('-M');
  if (a['system']) argv.push('-r');
  return [...commands, [...argv, name]];
}

/** usermod's argv for what differs from the existing user (none when nothing does), as Ansible decides it. */
export function modifyCommands(a: Args, state: AccountState): string[][] {
  const user = state.user!;
  const argv = ['usermod'];
  if (a['uid'] !== undefined && a['uid'] !== user.uid) argv.push('-u', String(a['uid']), ...(a['non_unique'] ? ['-o'] : []));
  if (a['group'] !== undefined) {
    const group = findGroup(state.groups, a['group'] as string);
    if (!group) throw new ModuleError(`Group ${String(a['group'])} does not exist`);
    if (group.gid !== user.gid) argv.push('-g', String(group.gid));
  }
  if (a['groups'] !== undefined) {
    const wanted = checkedGroups(a, state);
    const current = memberships(state.groups, user.name);
    const differ = wanted.some((g) => !current.includes(g)) || current.some((g) => !wanted.includes(g));
    if (wanted.length === 0) {
      if (current.length && !a['append']) argv.push('-G', '');
    } else if (a['append']) {
      if (wanted.some((g) => !current.includes(g))) argv.push('-a', '-G', wanted.join(','));
    } else if (differ) argv.push('-G', wanted.join(','));
  }
  if (a['comment'] !== undefined && a['comment'] !== user.comment) argv.push('-c', a['comment'] as string);
  if (a['home'] !== undefined && a['home'] !== user.home) argv.push('-d', a['home'] as string, ...(a['move_home'] ? ['-m'] : []));
  if (a['shell'] !== undefined && a['shell'] !== user.shell) argv.push('-s', a['shell'] as string);
  argv.push(...expiryChange(a['expires'] as number | undefined, state.expiresDays ?? -1));
  const hash = state.passwordHash ?? '';
  const lock: string[] = [];
  if (a['password_lock'] === true && !hash.startsWith('!')) lock.push('-L');
  else if (a['password_lock'] === false && hash.startsWith('!')) lock.push('-U');
  const password = a['password'] as string | undefined;
  if (a['update_password'] === 'always' && password !== undefined && hash.replace(/^!+/, '') !== password.replace(/^!+/, '')) {
    argv.push('-p', `${a['password_lock'] ? '!' : ''}${password}`);
  } else argv.push(...lock);
  return argv.length > 1 ? [[...argv, user.name]] : [];
}

/** chage for the password ages that differ from the shadow's (a new user: whenever they are given). */
export function passwordAgeCommands(a: Args, state: AccountState): string[][] {
  const min = a['password_expire_min'] as number | undefined;
  const max = a['password_expire_max'] as number | undefined;
  const argv = ['chage'];
  if (min !== undefined && (!state.user || min !== state.passwordMinDays)) argv.push('-m', String(min));
  if (max !== undefined && (!state.user || max !== state.passwordMaxDays)) argv.push('-M', String(max));
  return argv.length > 1 ? [[...argv, a['name'] as string]] : [];
}

/** `expires` (seconds since 1970) as useradd/usermod -e take it: a UTC date, empty (never) before 1970. */
function expiryDate(expires: number): string {
  return expires < 0 ? '' : new Date(Math.floor(expires) * 1000).toISOString().slice(0, 10);
}

/** usermod's -e when the wanted expiry differs from the shadow's (compared by day, as Ansible compares them). */
function expiryChange(expires: number | undefined, currentDays: number): string[] {
  if (expires === undefined) return [];
  if (expires < 0) return currentDays >= 0 ? ['-e', ''] : [];
  const current = currentDays < 0 ? undefined : new Date(currentDays * 86400 * 1000).toISOString().slice(0, 10);
  const wanted = expiryDate(expires);
  return current === wanted ? [] : ['-e', wanted];
}

/** Make a missing home from the skeleton, owned by the user and its login group. */
function makeHomeCommand(home: string, name: string, skeleton = '/etc/skel'): string {
  return [
    shellJoin(['mkdir', '-p', '-m', '0755', '--', home]),
    `{ ! [ -d ${shellQuote(skeleton)} ] || cp -a ${shellQuote(`${skeleton}/.`)} ${shellQuote(home)}; }`,
    shellJoin(['chown', '-R', '--', `${name}:`, home]),
  ].join(' &&\n');
}
