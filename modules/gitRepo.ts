import { shellJoin } from '../src/core/shellQuote.js';

/**
 * The git module's read of the target, and the git command lines it runs, as pure functions: the probe
 * script prints `key=value` lines and `ls-remote` output; parseGitProbe and resolveVersion turn them into
 * what the module decides on. Unit-tested as tables.
 */

/** Args: git, dest, remote, repo, version. Prints git=, exists=, bare=, before=, url=, dirty lines, then ls-remote. */
export const GIT_PROBE_SCRIPT = `pt_git=$1; pt_dest=$2; pt_remote=$3; pt_repo=$4; pt_version=$5
export LC_ALL=C GIT_TERMINAL_PROMPT=0
command -v "$pt_git" >/dev/null 2>&1 || { echo git=0; exit 0; }
echo git=1
if [ -e "$pt_dest/.git" ]; then echo exists=1
elif [ -f "$pt_dest/HEAD" ] && [ -d "$pt_dest/objects" ]; then echo exists=1; echo bare=1
elif [ -e "$pt_dest" ] && [ -n "$(ls -A -- "$pt_dest" 2>/dev/null)" ]; then echo occupied=1
fi
if [ -e "$pt_dest/.git" ] || [ -f "$pt_dest/HEAD" ]; then
  echo "before=$("$pt_git" -C "$pt_dest" rev-parse --verify -q HEAD 2>/dev/null)"
  echo "url=$("$pt_git" -C "$pt_dest" config --get "remote.$pt_remote.url" 2>/dev/null)"
  "$pt_git" -C "$pt_dest" status --porcelain 2>/dev/null | while IFS= read -r pt_l; do case $pt_l in '??'*) ;; *) printf 'dirty=%s\\n' "$pt_l" ;; esac; done
fi
echo --ls-remote--
"$pt_git" ls-remote -- "$pt_repo" "$pt_version" "refs/heads/$pt_version" "refs/tags/$pt_version" "refs/tags/$pt_version^{}" 2>&1 || echo "--failed-- $?"
exit 0`;

export interface GitProbe {
  hasGit: boolean;
  exists: boolean;
  bare: boolean;
  /** dest exists and holds files but is no repository. */
  occupied: boolean;
  before: string | null;
  remoteUrl: string;
  dirty: boolean;
  /** ls-remote lines as [sha, ref]; `error` when ls-remote failed. */
  refs: [string, string][];
  lsRemoteError?: string;
}

export function parseGitProbe(output: string): GitProbe {
  const [head = '', remote = ''] = output.split(/^--ls-remote--\n/m);
  const fields = new Map<string, string>();
  let dirty = false;
  for (const line of head.split('\n')) {
    const at = line.indexOf('=');
    if (at < 0) continue;
    if (line.startsWith('dirty=')) dirty = true;
    else fields.set(line.slice(0, at), line.slice(at + 1));
  }
  const failed = remote.match(/^--failed-- \d+$/m);
  const refs = failed ? [] : remote.split('\n').filter((l) => /^[0-9a-f]{40}\t/.test(l)).map((l) => l.split('\t') as [string, string]);
  return {
    hasGit: fields.get('git') === '1',
    exists: fields.get('exists') === '1',
    bare: fields.get('bare') === '1',
    occupied: fields.get('occupied') === '1',
    before: fields.get('before') || null,
    remoteUrl: fields.get('url') ?? '',
    dirty,
    refs,
    ...(failed ? { lsRemoteError: remote.slice(0, failed.index).trim() } : {}),
  };
}

export type VersionKind = 'head' | 'branch' | 'tag' | 'sha';

/** What `version` names in the remote, and the commit it stands for (a sha is itself, possibly abbreviated). */
export function resolveVersion(version: string, refs: readonly [string, string][]): { kind: VersionKind; sha: string } | undefined {
  const find = (ref: string) => refs.find(([, name]) => name === ref)?.[0];
  if (version === 'HEAD') {
    const sha = find('HEAD');
    return sha ? { kind: 'head', sha } : undefined;
  }
  const branch = find(`refs/heads/${version}`);
  if (branch) return { kind: 'branch', sha: branch };
  const tag = find(`refs/tags/${version}^{}`) ?? find(`refs/tags/${version}`);
  if (tag) return { kind: 'tag', sha: tag };
  if (/^[0-9a-f]{7,40}$/i.test(version)) return { kind: 'sha', sha: version.toLowerCase() };
  return undefined;
}

export interface CloneOptions {
  git: string;
  repo: string;
  dest: string;
  remote: string;
  bare: boolean;
  depth?: number;
  singleBranch: boolean;
  reference?: string;
  separateGitDir?: string;
}

/** `git clone` as Ansible builds it: --branch only for a named branch or tag, a depth never for a bare sha. */
export function cloneArgv(o: CloneOptions, version: string, kind: VersionKind): string[] {
  const argv = [o.git, 'clone'];
  if (o.bare) argv.push('--bare');
  else argv.push('--origin', o.remote);
  const named = kind === 'branch' || kind === 'tag';
  if (o.depth && kind !== 'sha') argv.push('--depth', String(o.depth));
  if ((o.depth || o.singleBranch) && named) argv.push('--branch', version);
  if (o.singleBranch) argv.push('--single-branch');
  if (o.reference) argv.push('--reference', o.reference);
  if (o.separateGitDir) argv.push(`--separate-git-dir=${o.separateGitDir}`);
  return [...argv, '--', o.repo, o.dest];
}

/** The commands that bring an existing checkout to `version` (fetch, then checkout/reset as Ansible's switch_version). */
export function updateCommands(o: CloneOptions, version: string, kind: VersionKind, sha: string): string[][] {
  const git = [o.git, '-C', o.dest];
  const depth = o.depth ? ['--depth', String(o.depth)] : [];
  if (o.bare) return [[...git, 'fetch', ...depth, '--tags', o.remote, '+refs/heads/*:refs/heads/*']];
  const fetch = [...git, 'fetch', ...depth, '--tags', o.remote];
  if (kind === 'branch') {
    return [fetch, [...git, 'fetch', ...depth, o.remote, `+refs/heads/${version}:refs/remotes/${o.remote}/${version}`], [...git, 'checkout', '--force', version], [...git, 'reset', '--hard', `${o.remote}/${version}`]];
  }
  // HEAD: the checked-out branch moves to the remote's HEAD commit.
  if (kind === 'head') return [fetch, [...git, 'reset', '--hard', sha]];
  return [fetch, [...git, 'checkout', '--force', version]];
}

/** The environment every git command runs with: no prompt, C messages, and the ssh options asked for. */
export function gitEnvironment(ssh: { acceptHostkey: boolean; acceptNewHostkey: boolean; keyFile?: string; sshOpts?: string }): string {
  const parts = ['export LC_ALL=C GIT_TERMINAL_PROMPT=0'];
  const command = ['ssh'];
  if (ssh.acceptHostkey) command.push('-o', 'StrictHostKeyChecking=no');
  else if (ssh.acceptNewHostkey) command.push('-o', 'StrictHostKeyChecking=accept-new');
  if (ssh.keyFile) command.push('-i', ssh.keyFile, '-o', 'IdentitiesOnly=yes');
  if (ssh.sshOpts) command.push(...ssh.sshOpts.split(/\s+/).filter(Boolean));
  if (command.length > 1) parts.push(`export GIT_SSH_COMMAND=${shellJoin([shellJoin(command)])}`);
  return parts.join('\n');
}
