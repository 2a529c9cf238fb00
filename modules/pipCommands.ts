import { shellJoin } from '../src/core/shellQuote.js';
import { shlexSplit } from '../src/core/shlex.js';

/**
 * The pip module's commands as argv and one shell script, built the way Ansible's pip module builds them
 * (pip's verb per state, extra_args split like a shell, `name==version`), run with the target's own pip.
 * Pure logic: unit-tested as tables.
 */

export interface PipRequest {
  names: string[];
  version?: string;
  requirements?: string;
  state: 'present' | 'absent' | 'latest' | 'forcereinstall';
  extraArgs?: string;
  editable: boolean;
  virtualenv?: string;
  virtualenvCommand: string;
  virtualenvSitePackages: boolean;
  virtualenvPython?: string;
  executable?: string;
  chdir?: string;
}

const STATE_VERBS: Record<PipRequest['state'], string[]> = {
  present: ['install'],
  absent: ['uninstall', '-y'],
  latest: ['install', '-U'],
  forcereinstall: ['install', '-U', '--force-reinstall'],
};

/** The marker the script prints when it made the virtualenv. */
export const VENV_CREATED = '@@playtree-venv-created@@';
/** The marker and the missing program when something the task needs is not in the target. */
export const MISSING = '@@playtree-missing@@';

/** pip's arguments after the pip program. */
export function pipArguments(r: PipRequest): string[] {
  const argv = [...STATE_VERBS[r.state]];
  const extra = r.extraArgs ? shlexSplit(r.extraArgs) : [];
  if (r.editable && !extra.includes('-e')) extra.push('-e');
  argv.push(...extra);
  if (r.names.length) argv.push(...r.names.map((name, i) => (i === 0 && r.version !== undefined ? `${name}==${r.version}` : name)));
  else if (r.requirements) argv.push('-r', r.requirements);
  return argv;
}

/** The virtualenv command: `--system-site-packages`, and `-pPYTHON` unless it is Python's own venv. */
export function virtualenvArgv(r: PipRequest): string[] {
  const argv = shlexSplit(r.virtualenvCommand);
  if (r.virtualenvSitePackages) argv.push('--system-site-packages');
  const isVenvModule = /pyvenv|-m venv/.test(r.virtualenvCommand);
  if (!isVenvModule) argv.push(`-p${r.virtualenvPython ?? 'python3'}`);
  return [...argv, r.virtualenv!];
}

/** The pip program: the virtualenv's, else `executable`, else pip3. */
export function pipProgram(r: PipRequest): string {
  if (r.virtualenv) return `${r.virtualenv.replace(/\/+$/, '')}/bin/${r.executable ?? 'pip'}`;
  return r.executable ?? 'pip3';
}

/** A check that `program` exists in the target, else the MISSING marker and exit 127. */
function requireProgram(program: string): string {
  const test = program.includes('/') ? shellJoin(['test', '-x', program]) : `command -v ${shellJoin([program])} >/dev/null 2>&1`;
  return `${test} || { echo ${shellJoin([`${MISSING} ${program}`])}; exit 127; }`;
}

/** One script: cd, make the virtualenv when it has no bin/activate, then run pip with `pipArgs`. */
export function pipScript(r: PipRequest, pipArgs: string[]): string {
  const lines = ['export LC_ALL=C LANG=C PIP_DISABLE_PIP_VERSION_CHECK=1'];
  lines.push(`cd ${shellJoin([r.chdir ?? '/tmp'])} || exit 1`);
  if (r.virtualenv) {
    const venv = virtualenvArgv(r);
    lines.push(
      `if [ ! -e ${shellJoin([`${r.virtualenv}/bin/activate`])} ]; then`,
      `  ${requireProgram(venv[0]!)}`,
      `  ${shellJoin(venv)} >&2 || exit $?`,
      `  echo ${VENV_CREATED}`,
      'fi',
      `export PATH=${shellJoin([`${r.virtualenv}/bin`])}:"$PATH"`,
    );
  }
  const pip = pipProgram(r);
  lines.push(requireProgram(pip), shellJoin([pip, ...pipArgs]));
  return lines.join('\n');
}

/** pip's canonical name (PEP 503): lower case, runs of -_. as one -. */
export function canonicalName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Whether `spec` (name, name==1.0, name>=1) is in `pip list --format=freeze` output, as check mode judges it. */
export function isInstalled(spec: string, version: string | undefined, freeze: string): boolean {
  const match = spec.match(/^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(==\s*([^\s,;]+))?/);
  if (!match) return false;
  const wanted = version ?? match[3];
  return freeze.split('\n').some((line) => {
    const [name, installed] = line.trim().split('==');
    return name !== undefined && canonicalName(name) === canonicalName(match[1]!) && (wanted === undefined || installed === wanted);
  });
}
