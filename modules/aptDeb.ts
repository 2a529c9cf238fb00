import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path/posix';
import { ModuleError } from '../src/core/errors.js';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import { aptCommand, installArgv, type AptRunOptions } from './aptCommands.js';
import { compareDebianVersions } from './debianVersion.js';
import { download as httpDownload, type DownloadResponse } from '../src/core/httpDownload.js';
import type { ModuleContext, ModuleResult } from './module.js';
import { withPolicyRcD } from './policyRcD.js';

/**
 * apt's `deb:` argument: a .deb file on the target (or a URL, downloaded by the controller and sent over).
 * Skipped when dpkg already has that package in that version; otherwise `apt-get install ./file.deb`, which
 * also installs the dependencies from the archive (Ansible resolves them with python-apt, then runs dpkg -i).
 */

const SECTION = '--- playtree deb state ---';

/** `Package: x` / `Version: y` lines of `dpkg-deb -f` into a record. */
export function parseDebFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (match) fields[match[1]!] = match[2]!;
  }
  return fields;
}

/** apt-get takes a file only when its name holds a slash. */
export function debPathForApt(path: string): string {
  return path.includes('/') && !path.startsWith('-') ? path : `./${path}`;
}

export async function installDeb(ctx: ModuleContext, deb: string, options: AptRunOptions): Promise<ModuleResult> {
  let path = debPathForApt(deb);
  let downloaded = false;
  if (deb.includes('://')) {
    // Not /tmp: a per-command nspawn container has its own, gone with the command that put the file.
    path = `/var/tmp/playtree-${randomBytes(6).toString('hex')}-${basename(new URL(deb).pathname) || 'package.deb'}`;
    await download(ctx, deb, path);
    downloaded = true;
  }
  const cleanup = downloaded ? `; pt_rc=$?; rm -f ${shellQuote(path)}; exit $pt_rc` : '';
  try {
    const fields = shellJoin(['dpkg-deb', '-f', path, 'Package', 'Version', 'Architecture']);
    const script = [
      'export LC_ALL=C',
      `${fields} || exit 1`,
      `echo '${SECTION}'`,
      `dpkg-query -W -f '\${Status}\\t\${Version}\\t\${Architecture}\\n' -- "$(${shellJoin(['dpkg-deb', '-f', path, 'Package'])})" 2>/dev/null`,
      'true',
    ].join('\n');
    const state = await ctx.target.exec(script);
    if (state.rc !== 0) throw new ModuleError(`Unable to install package: cannot read ${deb}: ${state.stderr.toString().trim()}`);
    const [fieldText = '', installedText = ''] = state.stdout.toString().split(`${SECTION}\n`);
    const debFields = parseDebFields(fieldText);
    const [status = '', version = ''] = installedText.split('\n')[0]!.split('\t');
    if (/ installed$/.test(status) && compareDebianVersions(version, debFields['Version'] ?? '') === 0) {
      return { changed: false, stdout: '', stderr: '' };
    }
    const argv = installArgv([path], options);
    // Check mode simulates (--simulate runs no package scripts): no guard to write into the tree.
    const body = aptCommand(argv) + cleanup;
    const run = await ctx.target.exec(options.check ? body : withPolicyRcD(body, ctx.args['policy_rc_d'] as number | undefined));
    downloaded = false;
    const stdout = run.stdout.toString();
    const stderr = run.stderr.toString();
    if (run.rc !== 0) throw new ModuleError(`'${argv.join(' ')}' failed: ${stderr.trim()}`, { stdout, stderr, rc: run.rc });
    return { changed: true, stdout, stderr };
  } finally {
    if (downloaded) await ctx.target.exec(['rm', '-f', path]);
  }
}

/** Download `url` on the controller (get_url's HTTP client: redirects, timeouts) and put it at `path` in the target. */
async function download(ctx: ModuleContext, url: string, path: string): Promise<void> {
  let response: DownloadResponse;
  try {
    // ansible-core's fetch_url defaults, as the apt module calls it: 10 s, certificates checked.
    response = await httpDownload({ url, timeout: 10, validateCerts: true });
  } catch (error) {
    throw new ModuleError(`Failure downloading ${url}: ${(error as Error).message}`);
  }
  try {
    if (response.status !== 200 || !response.file) throw new ModuleError(`Failure downloading ${url}: ${response.message}`);
    // 0600 in the tree's /var/tmp, as every temporary file holding content: the package may be a private one.
    const removePartial = () => ctx.target.exec(shellJoin(['rm', '-f', '--', path])).catch(() => undefined);
    let saved;
    try {
      saved = await ctx.target.exec(`umask 077 && set -C && cat > ${shellQuote(path)}`, { stdin: createReadStream(response.file) });
    } catch (error) {
      await removePartial();
      throw error;
    }
    if (saved.rc !== 0) {
      await removePartial();
      throw new ModuleError(`Failure downloading ${url}: could not save it in the target: ${saved.stderr.toString().trim()}`);
    }
  } finally {
    await response.remove();
  }
}
