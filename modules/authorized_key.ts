import { dirname, join } from 'node:path/posix';
import { ModuleError } from '../src/core/errors.js';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { parsePasswdLine, type PasswdEntry } from './accountDatabase.js';
import { editKeyFile } from './authorizedKeys.js';
import { rewriteTextFile } from './textFileEdit.js';

/**
 * ansible.posix.authorized_key: user, key (several lines, or an http(s) URL fetched by the controller), path
 * (default ~USER/.ssh/authorized_keys, the home read from the target's own passwd database), manage_dir (the
 * folder made 0700 and owned by the user), state, exclusive, key_options, comment, follow, validate_certs
 * (a URL is always checked). The file is written only when a key changes, then owned by the user, mode 0600.
 * The edit is authorizedKeys.ts. Result: Ansible's (its arguments, `keyfile`, diff).
 */
export const authorizedKeyModule: ModuleDefinition = {
  name: 'authorized_key',
  args: {
    user: { type: 'str', required: true },
    key: { type: 'str', required: true },
    path: { type: 'path' },
    manage_dir: { type: 'bool', default: true },
    state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
    key_options: { type: 'str' },
    exclusive: { type: 'bool', default: false },
    comment: { type: 'str' },
    validate_certs: { type: 'bool', default: true },
    follow: { type: 'bool', default: false },
  },
  run: runAuthorizedKey,
};

async function keysText(key: string): Promise<string> {
  if (!key.startsWith('http')) return key;
  const response = await fetch(key).catch(() => undefined);
  if (!response || response.status !== 200) throw new ModuleError(`Error getting key from: ${key}`);
  return response.text();
}

/** The user's passwd entry and, for `follow`, the resolved key file path: one command. */
async function lookUp(ctx: ModuleContext, user: string, path: string | undefined): Promise<{ entry?: PasswdEntry; realPath?: string }> {
  const resolve = path !== undefined && ctx.args['follow'] ? `; printf 'R:%s\\n' "$(readlink -m -- ${shellQuote(path)})"` : '';
  // The entry is tagged by the shell's printf: getent is the one program.
  const run = await ctx.target.exec(`pt_pw=$(getent passwd ${shellQuote(user)}); if [ -n "$pt_pw" ]; then printf 'P:%s\\n' "$pt_pw"; fi${resolve}`);
  const lines = run.stdout.toString().split('\n');
  const passwd = lines.find((line) => line.startsWith('P:'));
  const real = lines.find((line) => line.startsWith('R:'));
  return { ...(passwd ? { entry: parsePasswdLine(passwd.slice(2)) } : {}), ...(real ? { realPath: real.slice(2) } : {}) };
}

async function runAuthorizedKey(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const user = a['user'] as string;
  const path = a['path'] as string | undefined;
  const keys = await keysText(a['key'] as string);
  const found = await lookUp(ctx, user, path);
  if (!found.entry) {
    if (ctx.check && path === undefined) throw new ModuleError('Either user must exist or you must provide full path to key file in check mode');
    if (!ctx.check) throw new ModuleError(`Failed to lookup user ${user}: 'getpwnam(): name not found: ${user}'`);
  }
  const given = path ?? join(found.entry!.home, '.ssh', 'authorized_keys');
  const keyfile = found.realPath ?? given;
  let error: string | undefined;
  const ids = found.entry ? { owner: String(found.entry.uid), group: String(found.entry.gid) } : {};
  const outcome = await rewriteTextFile(ctx, {
    path: keyfile,
    wanted: (contentChanged) => (contentChanged ? { ...ids, mode: '0600' } : {}),
    beforeWrite: a['manage_dir'] ? () => makeSshDir(ctx, path === undefined ? dirname(given) : dirname(path), ids) : undefined,
    edit(text) {
      const edit = editKeyFile(text, {
        keys,
        present: a['state'] === 'present',
        exclusive: a['exclusive'] as boolean,
        keyOptions: a['key_options'] as string | undefined,
        comment: a['comment'] as string | undefined,
      });
      if ('error' in edit) {
        error = edit.error;
        return text;
      }
      return edit.changed ? edit.text : text;
    },
  });
  if (error) throw new ModuleError(error);
  if (outcome.failure) return outcome.failure;
  const result: ModuleResult = { ...a, key: keys, keyfile, changed: outcome.contentChanged };
  if (outcome.contentChanged && outcome.diff) result.diff = { ...outcome.diff, before_header: keyfile, after_header: keyfile };
  return result;
}

async function makeSshDir(ctx: ModuleContext, dir: string, ids: { owner?: string; group?: string }): Promise<ModuleResult | undefined> {
  const commands = [shellJoin(['mkdir', '-p', '-m', '0700', '--', dir])];
  if (ids.owner !== undefined) commands.push(shellJoin(['chown', `${ids.owner}:${ids.group!}`, '--', dir]));
  commands.push(shellJoin(['chmod', '0700', '--', dir]));
  const run = await ctx.target.exec(commands.join(' && '));
  if (run.rc === 0) return undefined;
  return { changed: false, failed: true, msg: `Failed to create directory ${dir} : ${run.stderr.toString().trim()}` };
}
