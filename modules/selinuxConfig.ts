import { ModuleError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import type { ModuleContext } from './module.js';

/**
 * SELinux as an image tree has it: only its config file (/etc/selinux/config), nothing running. Shared by
 * selinux, seboolean and sefcontext. On a Debian tree without SELinux the file is missing.
 */

export const SELINUX_CONFIG = '/etc/selinux/config';
const MISSING = '@@playtree-missing@@';

/** The config file's text, or undefined when the target has none (SELinux not installed). */
export async function readSelinuxConfig(ctx: ModuleContext, path = SELINUX_CONFIG): Promise<string | undefined> {
  const read = await ctx.target.exec(`if [ -f ${shellJoin([path])} ]; then cat -- ${shellJoin([path])}; else echo ${MISSING}; fi`);
  if (read.rc !== 0) throw new ModuleError(`could not read ${path}: ${read.stderr.toString().trim()}`);
  const text = read.stdout.toString();
  return text === `${MISSING}\n` ? undefined : text;
}

/** A `KEY=value` of the config, unquoted. */
export function configValue(text: string, key: string): string | undefined {
  const line = text.split('\n').find((l) => new RegExp(`^\\s*${key}\\s*=`).test(l));
  return line?.slice(line.indexOf('=') + 1).trim().replace(/^["']|["']$/g, '');
}

/** The text with `KEY=value` set (replacing every such line, or appended). */
export function setConfigValue(text: string, key: string, value: string): string {
  const pattern = new RegExp(`^\\s*${key}\\s*=.*$`, 'gm');
  if (pattern.test(text)) return text.replace(pattern, `${key}=${value}`);
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${key}=${value}\n`;
}

/** Whether SELinux is installed and not disabled in the target's config. */
export async function selinuxEnabled(ctx: ModuleContext): Promise<boolean> {
  const config = await readSelinuxConfig(ctx);
  return config !== undefined && configValue(config, 'SELINUX') !== 'disabled';
}

export const NOT_INSTALLED = `SELinux is not installed in the target (no ${SELINUX_CONFIG}); install selinux-basics and selinux-policy-default first`;
