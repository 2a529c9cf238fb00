import { ModuleError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { aptCommand, cleanupArgv, installArgv, removeArgv, updateDelays, updateScript, upgradeArgv, type AptRunOptions } from './aptCommands.js';
import { installDeb } from './aptDeb.js';
import {
  namesMarkedAuto, namesToRemove, parseStateOutput, preparedDiff, specsToInstall, splitPackageSpec, stateScript, summaryChanged,
  hasWildcard, CACHE_TIME_COMMAND, type AptState, type PackageSpec,
} from './aptState.js';
import { withPolicyRcD } from './policyRcD.js';

/**
 * ansible.builtin.apt (also answers to `package`: playtree supports apt-based trees only): name/pkg as a string
 * or list (`foo`, `foo=1.2*`, `foo>=1.2`), state present/latest/absent, update_cache with cache_valid_time and
 * update_cache_retries/_retry_max_delay, install_recommends, purge, autoremove, autoclean, clean, upgrade,
 * deb (a .deb path on the target, or a URL the controller downloads), default_release, dpkg_options, force,
 * fail_on_autoremove, only_upgrade, allow_unauthenticated, allow_downgrade, allow_change_held_packages,
 * lock_timeout (passed as apt's DPkg::Lock::Timeout), policy_rc_d. Check mode runs apt-get --simulate.
 *
 * How: one command reads the cache time and the dpkg status of every named package (dpkg-query), the module
 * decides, then one command runs apt-get (behind a temporary policy-rc.d in trees, see policyRcD.ts).
 * Differs: a lists folder without any Packages index counts as no cache (a fresh tree's empty lists are
 * not "valid" for cache_valid_time); no Python apt bindings, so apt-get itself judges candidates: `latest` reports changed from
 * apt-get's summary line; `foo>=1.2` installs the candidate; name wildcards (`foo*`) work only with
 * state=absent; states build-dep and fixed are not supported; force_apt_get is accepted and always true.
 */
export const aptModule: ModuleDefinition = {
  name: 'apt',
  args: {
    name: { type: 'list', elements: 'str', aliases: ['pkg', 'package'] },
    state: { type: 'str', default: 'present', choices: ['absent', 'present', 'latest'] },
    update_cache: { type: 'bool', aliases: ['update-cache'] },
    update_cache_retries: { type: 'int', default: 5 },
    update_cache_retry_max_delay: { type: 'int', default: 12 },
    cache_valid_time: { type: 'int', default: 0 },
    purge: { type: 'bool', default: false },
    deb: { type: 'path' },
    default_release: { type: 'str', aliases: ['default-release'] },
    install_recommends: { type: 'bool', aliases: ['install-recommends'] },
    force: { type: 'bool', default: false },
    upgrade: { type: 'str', default: 'no', choices: ['dist', 'full', 'no', 'safe', 'yes'] },
    dpkg_options: { type: 'str', default: 'force-confdef,force-confold' },
    autoremove: { type: 'bool', default: false },
    autoclean: { type: 'bool', default: false },
    fail_on_autoremove: { type: 'bool', default: false },
    policy_rc_d: { type: 'int' },
    only_upgrade: { type: 'bool', default: false },
    force_apt_get: { type: 'bool', default: false },
    clean: { type: 'bool', default: false },
    allow_unauthenticated: { type: 'bool', default: false, aliases: ['allow-unauthenticated'] },
    allow_downgrade: { type: 'bool', default: false, aliases: ['allow-downgrade', 'allow_downgrades', 'allow-downgrades'] },
    allow_change_held_packages: { type: 'bool', default: false },
    lock_timeout: { type: 'int', default: 60 },
  },
  run,
};

/** The arguments a package run needs, gathered once. */
function runOptions(ctx: ModuleContext): AptRunOptions {
  const a = ctx.args;
  return {
    check: ctx.check,
    dpkgOptions: a['dpkg_options'] as string,
    force: a['force'] as boolean,
    autoremove: a['autoremove'] as boolean,
    failOnAutoremove: a['fail_on_autoremove'] as boolean,
    onlyUpgrade: a['only_upgrade'] as boolean,
    purge: a['purge'] as boolean,
    installRecommends: a['install_recommends'] as boolean | undefined,
    defaultRelease: a['default_release'] as string | undefined,
    allowUnauthenticated: a['allow_unauthenticated'] as boolean,
    allowDowngrade: a['allow_downgrade'] as boolean,
    allowChangeHeldPackages: a['allow_change_held_packages'] as boolean,
    lockTimeout: a['lock_timeout'] as number,
  };
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const names = ((a['name'] as string[] | undefined) ?? []).map((n) => n.trim());
  const upgrade = a['upgrade'] === 'no' ? undefined : (a['upgrade'] as string);
  const deb = a['deb'] as string | undefined;
  const given = [names.length > 0 && 'name', deb !== undefined && 'deb', upgrade !== undefined && 'upgrade'].filter(Boolean);
  if (given.length > 1) throw new ModuleError(`parameters are mutually exclusive: deb|package|upgrade`);
  if (!names.length && !deb && !upgrade && !a['update_cache'] && !a['autoremove'] && !a['clean']) {
    throw new ModuleError('one of the following is required: autoremove, deb, package, update_cache, upgrade');
  }
  const all = names.includes('*');
  const specs = names.filter((n) => n !== '*').map(splitPackageSpec);
  // apt-get would read a leading dash as an option: no package name starts with one.
  const dashed = specs.find((s) => s.spec.startsWith('-'));
  if (dashed) throw new ModuleError(`invalid package name: ${dashed.spec}`);
  if (a['state'] !== 'absent') {
    const pattern = specs.find((s) => hasWildcard(s.name));
    if (pattern) throw new ModuleError(`package name patterns work only with state=absent here: ${pattern.spec}; list the packages by name`);
  }

  if (a['clean'] && !ctx.check) {
    const clean = await ctx.target.exec(aptCommand(['apt-get', 'clean']));
    if (clean.rc !== 0 || clean.stderr.length) {
      throw new ModuleError(`apt-get clean failed: ${clean.stderr.toString().trim()}`, { stdout: clean.stdout.toString(), rc: clean.rc });
    }
    if (!names.length && !upgrade && !deb) return { changed: true, msg: clean.stdout.toString(), stdout: clean.stdout.toString(), stderr: '' };
  }

  const state = parseStateOutput((await ctx.target.exec(stateScript(specs.map((s) => s.name)))).stdout.toString());
  const cache = await refreshCache(ctx, state);
  const cacheKeys = { cache_updated: cache.updated, cache_update_time: cache.time };
  if (cache.asked && !names.length && !upgrade && !deb) return { changed: cache.updated, ...cacheKeys };

  const options = runOptions(ctx);
  if (upgrade) return runUpgrade(ctx, upgrade, options);
  if (deb !== undefined) {
    if (a['state'] !== 'present') throw new ModuleError('deb only supports state=present');
    return installDeb(ctx, deb, options);
  }
  if (all && a['state'] === 'latest') {
    if (specs.length) throw new ModuleError('unable to install additional packages when upgrading all installed packages');
    return runUpgrade(ctx, 'yes', options);
  }
  if (!specs.length && (a['autoclean'] || a['autoremove'])) {
    // Ansible exits after the first cleanup it runs: autoclean wins over autoremove when both are asked.
    return runCleanup(ctx, a['autoclean'] ? 'autoclean' : 'autoremove', options);
  }
  if (a['state'] === 'absent') return remove(ctx, specs, state, options);
  return { ...(await install(ctx, specs, state, options, cacheKeys)), ...cacheKeys };
}

interface CacheRefresh {
  /** update_cache or cache_valid_time was given. */
  asked: boolean;
  updated: boolean;
  time: number;
}

/**
 * Ansible's rule: with update_cache or cache_valid_time, update unless the cache is younger than
 * cache_valid_time seconds. "Updated" means the cache time moved (always, in check mode, where nothing runs).
 */
async function refreshCache(ctx: ModuleContext, state: AptState): Promise<CacheRefresh> {
  const validFor = ctx.args['cache_valid_time'] as number;
  const asked = Boolean(ctx.args['update_cache']) || validFor > 0;
  if (!asked) return { asked, updated: false, time: state.cacheTime };
  if (state.cacheTime + validFor >= Date.now() / 1000) return { asked, updated: false, time: state.cacheTime };
  if (ctx.check) return { asked, updated: true, time: state.cacheTime };
  const delays = updateDelays(Math.max(1, ctx.args['update_cache_retries'] as number), ctx.args['update_cache_retry_max_delay'] as number);
  const result = await ctx.target.exec(updateScript(delays, CACHE_TIME_COMMAND));
  if (result.rc !== 0) {
    const err = result.stderr.toString().split('\n').filter((l) => /^(E|W|Err):/.test(l)).join('\n') || result.stderr.toString().trim();
    throw new ModuleError(`Failed to update apt cache: ${err || 'unknown reason'}`, { rc: result.rc, stderr: result.stderr.toString() });
  }
  const time = Math.trunc(Number(result.stdout.toString().trim().split('\n').at(-1))) || 0;
  return { asked, updated: time !== state.cacheTime, time };
}

/** Run an apt-get argv behind the policy-rc.d guard (not in check mode: --simulate runs no scripts); output as text. */
async function runGuarded(ctx: ModuleContext, argv: readonly string[], after = ''): Promise<{ rc: number; stdout: string; stderr: string }> {
  const body = after ? `${aptCommand(argv)} && { ${after}; }` : aptCommand(argv);
  const script = ctx.check ? body : withPolicyRcD(body, ctx.args['policy_rc_d'] as number | undefined);
  const result = await ctx.target.exec(script);
  return { rc: result.rc, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

function withDiff(ctx: ModuleContext, result: ModuleResult, stdout: string): ModuleResult {
  // Ansible's apt diff is {prepared: <apt-get's plan>}, not before/after text.
  if (ctx.diff) result['diff'] = preparedDiff(stdout) as unknown as ModuleResult['diff'];
  return result;
}

async function install(ctx: ModuleContext, specs: PackageSpec[], state: AptState, options: AptRunOptions, cacheKeys: object): Promise<ModuleResult> {
  const latest = ctx.args['state'] === 'latest';
  const wanted = latest ? specs : specsToInstall(specs, state.packages);
  // Ansible marks every named package manual after an install; apt-get does it for the ones it installs.
  const auto = ctx.check ? [] : namesMarkedAuto(specs, state.packages);
  const markManual = auto.length ? `${shellJoin(['apt-mark', 'manual', ...auto])} >/dev/null` : '';
  if (!wanted.length) {
    if (markManual) await ctx.target.exec(markManual);
    return { changed: false };
  }
  const argv = installArgv(wanted.map((s) => s.spec), options);
  const run = await runGuarded(ctx, argv, markManual);
  if (run.rc !== 0) {
    throw new ModuleError(`'${argv.join(' ')}' failed: ${run.stderr.trim()}`, { stdout: run.stdout, stderr: run.stderr, rc: run.rc, ...cacheKeys });
  }
  const changed = summaryChanged(run.stdout) ?? true;
  return withDiff(ctx, { changed, stdout: run.stdout, stderr: run.stderr }, run.stdout);
}

async function remove(ctx: ModuleContext, specs: PackageSpec[], state: AptState, options: AptRunOptions): Promise<ModuleResult> {
  const names = namesToRemove(specs, state.packages, options.purge ?? false);
  if (!names.length) return { changed: false };
  const argv = removeArgv(names, options);
  const run = await runGuarded(ctx, argv);
  if (run.rc !== 0) {
    throw new ModuleError(`'apt-get remove ${names.join(' ')}' failed: ${run.stderr.trim()}`, { stdout: run.stdout, stderr: run.stderr, rc: run.rc });
  }
  return withDiff(ctx, { changed: true, stdout: run.stdout, stderr: run.stderr }, run.stdout);
}

async function runUpgrade(ctx: ModuleContext, mode: string, options: AptRunOptions): Promise<ModuleResult> {
  const argv = upgradeArgv(mode, options);
  const run = await runGuarded(ctx, argv);
  if (run.rc !== 0) throw new ModuleError(`'${argv.join(' ')}' failed: ${run.stderr.trim()}`, { stdout: run.stdout, rc: run.rc });
  const changed = !/\n0 upgraded, 0 newly installed/.test(`\n${run.stdout}`);
  return withDiff(ctx, { changed, msg: run.stdout, stdout: run.stdout, stderr: run.stderr }, run.stdout);
}

/** autoclean and/or autoremove without packages; changed when apt-get says it removed or deleted something. */
async function runCleanup(ctx: ModuleContext, operation: 'autoremove' | 'autoclean', options: AptRunOptions): Promise<ModuleResult> {
  const argv = cleanupArgv(operation, options);
  const run = await runGuarded(ctx, argv);
  if (run.rc !== 0) throw new ModuleError(`'apt-get ${operation}' failed: ${run.stderr.trim()}`, { stdout: run.stdout, stderr: run.stderr, rc: run.rc });
  const marker = operation === 'autoremove' ? 'The following packages will be REMOVED' : 'Del ';
  return withDiff(ctx, { changed: run.stdout.includes(marker), stdout: run.stdout, stderr: run.stderr }, run.stdout);
}
