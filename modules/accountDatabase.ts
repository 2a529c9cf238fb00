import { ModuleError } from '../src/core/errors.js';
import { shellQuote } from '../src/core/shellQuote.js';
import type { Target } from './module.js';

/**
 * The target's users and groups as the user and group modules need them, read in ONE command through getent
 * inside the target (so a tree's own /etc/passwd, /etc/group and /etc/shadow, never the controller's), and
 * parsed on the controller. The same read ends every change, so a result reports what the target now holds.
 */

/**
 * `pt_accounts NAME [HOME]` prints tagged lines: `T:<tool>` for each missing tool, `P:` the user's passwd entry,
 * `S:` its password hash, `E:` its password's minimum and maximum age and the account's expiry (days; empty for
 * none), `G:` every group, `H:1` when HOME (or the user's home) is a folder. Three getent programs: the tags and
 * the fields are the shell's own work (fields read with IFS=:), no sed or cut.
 */
export const ACCOUNT_STATE_FUNCTION = `pt_accounts() {
  for pt_t in useradd usermod userdel groupadd groupmod groupdel getent; do
    command -v "$pt_t" >/dev/null 2>&1 || echo "T:$pt_t"
  done
  pt_pw=$(getent passwd "$1")
  if [ -n "$pt_pw" ]; then printf 'P:%s\\n' "$pt_pw"; fi
  pt_sh=$(getent shadow "$1")
  if [ -n "$pt_sh" ]; then
    IFS=: read -r pt_1 pt_2 pt_3 pt_4 pt_5 pt_6 pt_7 pt_8 pt_9 <<PT_END
$pt_sh
PT_END
    printf 'S:%s\\nE:%s:%s:%s\\n' "$pt_2" "$pt_4" "$pt_5" "$pt_8"
  fi
  getent group | while IFS= read -r pt_l || [ -n "$pt_l" ]; do printf 'G:%s\\n' "$pt_l"; done
  pt_h=$2
  if [ -z "$pt_h" ] && [ -n "$pt_pw" ]; then
    IFS=: read -r pt_1 pt_2 pt_3 pt_4 pt_5 pt_h pt_7 <<PT_END
$pt_pw
PT_END
  fi
  if [ -n "$pt_h" ] && [ -d "$pt_h" ]; then echo H:1; fi
}`;

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface AccountState {
  /** Tools the target lacks (useradd, getent...). */
  missingTools: string[];
  user?: PasswdEntry;
  /** The shadow hash field ('!' or '*' for none), when the user exists. */
  passwordHash?: string;
  /** The shadow account expiry in days since 1970, -1 for none, when the user exists. */
  expiresDays?: number;
  /** The shadow minimum and maximum password age in days, -1 for none, when the user exists. */
  passwordMinDays?: number;
  passwordMaxDays?: number;
  groups: GroupEntry[];
  homeExists: boolean;
  /** What the commands run before the read printed (kept for the result's `stderr`). */
  stderr?: string;
}

/**
 * Run `commands` (joined with &&; their output is kept as stderr), then read `name`'s account and every
 * group, in one round trip. A failing command throws ModuleError with its message.
 */
export async function readAccounts(target: Target, name: string, options: { commands?: string[]; home?: string } = {}): Promise<AccountState> {
  const commands = options.commands ?? [];
  const apply = commands.length ? `{ ${commands.join(' &&\n')}\n} >&2 &&\n` : '';
  const run = await target.exec(`${ACCOUNT_STATE_FUNCTION}\n${apply}pt_accounts ${shellQuote(name)} ${shellQuote(options.home ?? '')}`);
  const stderr = run.stderr.toString().trim();
  if (run.rc !== 0) throw new ModuleError(stderr || `changing ${name} failed with rc ${run.rc}`, { name, rc: run.rc });
  const state = parseAccountState(run.stdout.toString());
  if (state.missingTools.length) {
    throw new ModuleError(`the target lacks ${state.missingTools.join(', ')}: install the passwd package (useradd, groupadd...) and libc-bin (getent)`);
  }
  return stderr ? { ...state, stderr } : state;
}

export function parseAccountState(output: string): AccountState {
  const state: AccountState = { missingTools: [], groups: [], homeExists: false };
  for (const line of output.split('\n')) {
    const tag = line.slice(0, 2);
    const value = line.slice(2);
    if (tag === 'T:') state.missingTools.push(value);
    else if (tag === 'P:') state.user = parsePasswdLine(value);
    else if (tag === 'S:') state.passwordHash = value;
    else if (tag === 'E:') {
      const fields = value.split(':');
      const days = (index: number) => (fields[index] ? Number(fields[index]) : -1);
      Object.assign(state, { passwordMinDays: days(0), passwordMaxDays: days(1), expiresDays: days(2) });
    }
    else if (tag === 'G:') state.groups.push(parseGroupLine(value));
    else if (tag === 'H:') state.homeExists = true;
  }
  return state;
}

/** One /etc/passwd line: name:password:uid:gid:gecos:home:shell. */
export function parsePasswdLine(line: string): PasswdEntry {
  const [name = '', , uid = '', gid = '', comment = '', home = '', shell = ''] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid), comment, home, shell };
}

/** One /etc/group line: name:password:gid:member,member. */
export function parseGroupLine(line: string): GroupEntry {
  const [name = '', , gid = '', members = ''] = line.split(':');
  return { name, gid: Number(gid), members: members === '' ? [] : members.split(',') };
}

/** A group given by name or by number, as useradd -g accepts it. */
export function findGroup(groups: readonly GroupEntry[], nameOrId: string): GroupEntry | undefined {
  if (/^\d+$/.test(nameOrId)) return groups.find((g) => g.gid === Number(nameOrId)) ?? groups.find((g) => g.name === nameOrId);
  return groups.find((g) => g.name === nameOrId);
}

/** Names of the groups listing `user` as a member (supplementary groups). */
export function memberships(groups: readonly GroupEntry[], user: string): string[] {
  return groups.filter((g) => g.members.includes(user)).map((g) => g.name);
}
