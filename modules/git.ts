import { ModuleError } from '../src/core/errors.js';
import { scriptWithArgs, shellJoin } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { GIT_PROBE_SCRIPT, cloneArgv, gitEnvironment, parseGitProbe, resolveVersion, updateCommands, type CloneOptions, type GitProbe } from './gitRepo.js';

/**
 * ansible.builtin.git: repo (name), dest, version, remote, depth, force, update, clone, bare, single_branch,
 * reference, separate_git_dir, executable, accept_hostkey/accept_newhostkey, key_file, ssh_opts. Runs the
 * target's own git (the tree needs the git package; without it the task fails saying so). One command
 * reads the checkout and `git ls-remote`s the version; a checkout already at the remote's commit is left
 * alone (changed=false, nothing fetched). Result: before, after, remote_url_changed, as Ansible.
 * Differs: `version: HEAD` on an existing checkout moves its current branch to the remote HEAD's commit;
 * recursive/track_submodules, refspec, verify_commit, gpg_whitelist, archive and umask are accepted and unused
 * (no submodule update, no signature check).
 */
export const gitModule: ModuleDefinition = {
  name: 'git',
  args: {
    repo: { type: 'str', required: true, aliases: ['name'] },
    dest: { type: 'path' },
    version: { type: 'str', default: 'HEAD' },
    remote: { type: 'str', default: 'origin' },
    depth: { type: 'int' },
    force: { type: 'bool', default: false },
    update: { type: 'bool', default: true },
    clone: { type: 'bool', default: true },
    bare: { type: 'bool', default: false },
    single_branch: { type: 'bool', default: false },
    reference: { type: 'str' },
    separate_git_dir: { type: 'path' },
    executable: { type: 'path' },
    accept_hostkey: { type: 'bool', default: false },
    accept_newhostkey: { type: 'bool', default: false },
    key_file: { type: 'path' },
    ssh_opts: { type: 'str' },
    recursive: { type: 'bool', default: true },
    track_submodules: { type: 'bool', default: false },
    refspec: { type: 'str' },
    verify_commit: { type: 'bool', default: false },
    gpg_whitelist: { type: 'list', elements: 'str', default: [] },
    archive: { type: 'path' },
    archive_prefix: { type: 'str' },
    umask: { type: 'raw' },
  },
  run,
};

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const dest = a['dest'] as string | undefined;
  if (dest === undefined && a['clone']) throw new ModuleError('the destination directory must be specified unless clone=no');
  const o: CloneOptions = {
    git: (a['executable'] as string | undefined) ?? 'git',
    repo: a['repo'] as string,
    dest: dest ?? '',
    remote: a['remote'] as string,
    bare: a['bare'] as boolean,
    depth: a['depth'] as number | undefined,
    singleBranch: a['single_branch'] as boolean,
    reference: a['reference'] as string | undefined,
    separateGitDir: a['separate_git_dir'] as string | undefined,
  };
  const env = gitEnvironment({
    acceptHostkey: a['accept_hostkey'] as boolean,
    acceptNewHostkey: a['accept_newhostkey'] as boolean,
    keyFile: a['key_file'] as string | undefined,
    sshOpts: a['ssh_opts'] as string | undefined,
  });
  const version = a['version'] as string;
  const read = await ctx.target.exec(`${env}\n${scriptWithArgs(GIT_PROBE_SCRIPT, [o.git, o.dest, o.remote, o.repo, version])}`);
  const probe = parseGitProbe(read.stdout.toString());
  if (!probe.hasGit) throw new ModuleError(`git (${o.git}) is not installed in the target: install the git package first (apt: name=git)`);
  if (probe.lsRemoteError !== undefined) throw new ModuleError(`Failed to download remote objects and refs: ${probe.lsRemoteError}`);
  const target = resolveVersion(version, probe.refs);
  if (!target) throw new ModuleError(`Cannot find version ${version} in repository ${o.repo}`);
  const result: ModuleResult = { changed: false, before: probe.before, after: target.sha, remote_url_changed: false };
  if (!probe.exists) return clone(ctx, env, o, probe, version, target, result);
  return update(ctx, env, o, probe, version, target, result);
}

async function runGit(ctx: ModuleContext, env: string, commands: string[][]): Promise<void> {
  const run = await ctx.target.exec(`${env}\n${commands.map((argv) => shellJoin(argv)).join(' &&\n')}`);
  if (run.rc !== 0) {
    const detail = (run.stderr.toString() + run.stdout.toString()).trim();
    throw new ModuleError(`git failed (rc ${run.rc}): ${detail}`, { rc: run.rc, stderr: run.stderr.toString() });
  }
}

async function headOf(ctx: ModuleContext, o: CloneOptions): Promise<string> {
  return (await ctx.target.exec(shellJoin([o.git, '-C', o.dest, 'rev-parse', 'HEAD']))).stdout.toString().trim();
}

type Target = NonNullable<ReturnType<typeof resolveVersion>>;

async function clone(ctx: ModuleContext, env: string, o: CloneOptions, probe: GitProbe, version: string, target: Target, result: ModuleResult): Promise<ModuleResult> {
  if (!ctx.args['clone']) return result;
  if (probe.occupied) throw new ModuleError(`destination path '${o.dest}' already exists and is not an empty directory (nor a git repository)`);
  result.changed = true;
  if (ctx.check) return result;
  const commands = [cloneArgv(o, version, target.kind)];
  if (!o.bare && target.kind !== 'head') commands.push([o.git, '-C', o.dest, 'checkout', '--force', version]);
  await runGit(ctx, env, commands);
  result['after'] = await headOf(ctx, o);
  return result;
}

async function update(ctx: ModuleContext, env: string, o: CloneOptions, probe: GitProbe, version: string, target: Target, result: ModuleResult): Promise<ModuleResult> {
  const commands: string[][] = [];
  if (probe.remoteUrl !== o.repo) {
    result['remote_url_changed'] = true;
    result.changed = true;
    commands.push([o.git, '-C', o.dest, 'remote', 'set-url', o.remote, o.repo]);
  }
  if (!ctx.args['update']) {
    result['after'] = probe.before;
    return apply(ctx, env, o, commands, result, false);
  }
  if (probe.dirty) {
    if (!ctx.args['force']) throw new ModuleError(`Local modifications exist in the destination: ${o.dest} (force=no).`);
    commands.push([o.git, '-C', o.dest, 'reset', '--hard', 'HEAD']);
    result.changed = true;
    result.msg = `Local modifications exist in the destination: ${o.dest}`;
  }
  const atTarget = probe.before !== null && probe.before.startsWith(target.sha);
  if (atTarget) result['after'] = probe.before;
  else {
    commands.push(...updateCommands(o, version, target.kind, target.sha));
    result.changed = true;
  }
  return apply(ctx, env, o, commands, result, !atTarget);
}

async function apply(ctx: ModuleContext, env: string, o: CloneOptions, commands: string[][], result: ModuleResult, readAfter: boolean): Promise<ModuleResult> {
  if (ctx.check || !commands.length) return result;
  await runGit(ctx, env, commands);
  if (readAfter) result['after'] = await headOf(ctx, o);
  return result;
}
