import { ModuleError } from '../src/core/errors.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { MISSING, VENV_CREATED, isInstalled, pipArguments, pipProgram, pipScript, type PipRequest } from './pipCommands.js';

/**
 * ansible.builtin.pip: name (list), version, requirements, virtualenv, virtualenv_command,
 * virtualenv_site_packages, virtualenv_python, state (present, absent, latest, forcereinstall), extra_args,
 * editable, chdir, executable. Runs the target's own pip (the virtualenv's, else `executable`, else pip3)
 * in one command that first makes the virtualenv when it has no bin/activate; changed as Ansible judges
 * it, from pip's "Successfully installed/uninstalled" (or a new virtualenv). Check mode lists installed
 * packages (`pip list --format=freeze`), as Ansible. A target without pip, python or the virtualenv
 * command fails naming the program and the Debian package that gives it.
 * Differs: umask is accepted and unused; a requirements file's change is judged from pip's output, not by
 * comparing freezes.
 */
export const pipModule: ModuleDefinition = {
  name: 'pip',
  args: {
    name: { type: 'list', elements: 'str' },
    version: { type: 'str' },
    requirements: { type: 'str' },
    virtualenv: { type: 'path', aliases: ['virtualenv_path'] },
    virtualenv_site_packages: { type: 'bool', default: false },
    virtualenv_command: { type: 'path', default: 'virtualenv' },
    virtualenv_python: { type: 'str' },
    state: { type: 'str', default: 'present', choices: ['present', 'absent', 'latest', 'forcereinstall'] },
    extra_args: { type: 'str' },
    editable: { type: 'bool', default: false },
    chdir: { type: 'path' },
    executable: { type: 'path' },
    umask: { type: 'str' },
  },
  run,
};

/** Debian packages that give the programs a pip task needs. */
const PACKAGE_OF: Record<string, string> = { pip3: 'python3-pip', pip: 'python3-pip', python3: 'python3 (and python3-venv for -m venv)', virtualenv: 'virtualenv' };

function request(ctx: ModuleContext): PipRequest {
  const a = ctx.args;
  const names = (a['name'] as string[] | undefined) ?? [];
  if (names.length && a['requirements'] !== undefined) throw new ModuleError('parameters are mutually exclusive: name|requirements');
  if (a['executable'] !== undefined && a['virtualenv'] !== undefined) throw new ModuleError('parameters are mutually exclusive: executable|virtualenv');
  if (a['version'] !== undefined && names.length > 1) {
    throw new ModuleError("'version' argument is ambiguous when installing multiple package distributions. Please specify version restrictions next to each package in 'name' argument.");
  }
  if (a['version'] !== undefined && names[0] !== undefined && /[<>=!~]/.test(names[0])) {
    throw new ModuleError("The 'version' argument conflicts with any version specifier provided along with a package name. Please keep the version specifier, but remove the 'version' argument.");
  }
  return {
    names,
    version: a['version'] as string | undefined,
    requirements: a['requirements'] as string | undefined,
    state: a['state'] as PipRequest['state'],
    extraArgs: a['extra_args'] as string | undefined,
    editable: a['editable'] as boolean,
    virtualenv: a['virtualenv'] as string | undefined,
    virtualenvCommand: a['virtualenv_command'] as string,
    virtualenvSitePackages: a['virtualenv_site_packages'] as boolean,
    virtualenvPython: a['virtualenv_python'] as string | undefined,
    executable: a['executable'] as string | undefined,
    chdir: a['chdir'] as string | undefined,
  };
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const r = request(ctx);
  if (!r.names.length && !r.requirements) return { changed: false, warnings: ['No valid name or requirements file found.'] };
  const args = pipArguments(r);
  const base = { name: r.names, version: r.version ?? null, state: r.state, requirements: r.requirements ?? null, virtualenv: r.virtualenv ?? null };
  if (ctx.check) return checkMode(ctx, r, base);
  const out = await runPip(ctx, r, args);
  const created = out.stdout.includes(VENV_CREATED);
  const stdout = out.stdout.replace(`${VENV_CREATED}\n`, '');
  if (out.rc !== 0 && !(out.rc === 1 && r.state === 'absent' && /not installed/.test(stdout + out.stderr))) {
    throw new ModuleError(`pip failed (rc ${out.rc}): ${(out.stderr || stdout).trim()}`, { rc: out.rc, stdout, stderr: out.stderr, cmd: [pipProgram(r), ...args].join(' ') });
  }
  const changed = created || (r.state === 'absent' ? stdout.includes('Successfully uninstalled') : stdout.includes('Successfully installed'));
  return { changed, cmd: [pipProgram(r), ...args].join(' '), ...base, stdout, stderr: out.stderr };
}

async function runPip(ctx: ModuleContext, r: PipRequest, args: string[]): Promise<{ rc: number; stdout: string; stderr: string }> {
  const result = await ctx.target.exec(pipScript(r, args));
  const stdout = result.stdout.toString();
  const missing = stdout.match(new RegExp(`^${MISSING} (.*)$`, 'm'));
  if (result.rc === 127 && missing) {
    const program = missing[1]!;
    const name = program.split('/').pop()!;
    const hint = r.virtualenv && program.startsWith(r.virtualenv) ? 'the virtualenv has no such program' : `install ${PACKAGE_OF[name] ?? 'the package that provides it'} first`;
    throw new ModuleError(`${program} is not installed in the target: ${hint}`);
  }
  return { rc: result.rc, stdout, stderr: result.stderr.toString() };
}

async function checkMode(ctx: ModuleContext, r: PipRequest, base: Record<string, unknown>): Promise<ModuleResult> {
  if (r.extraArgs || r.requirements || r.state === 'latest' || !r.names.length) return { changed: true, ...base };
  const venvMissing = r.virtualenv !== undefined && (await ctx.target.exec(['test', '-e', `${r.virtualenv}/bin/activate`])).rc !== 0;
  if (venvMissing) return { changed: true, ...base };
  const listed = await runPip(ctx, r, ['list', '--format=freeze']);
  if (listed.rc !== 0) throw new ModuleError(`pip list failed (rc ${listed.rc}): ${listed.stderr.trim()}`);
  const changed = r.names.some((name, i) => {
    const present = isInstalled(name, i === 0 ? r.version : undefined, listed.stdout);
    return r.state === 'absent' ? present : !present;
  });
  return { changed, ...base, stdout: listed.stdout };
}
