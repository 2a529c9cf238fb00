import { shellQuote } from '../src/core/shellQuote.js';
import { cleanupOnExit } from '../src/core/shellTraps.js';

/**
 * The temporary /usr/sbin/policy-rc.d that keeps package scripts from starting services while apt or dpkg
 * runs in an image tree (invoke-rc.d and deb-systemd-invoke ask it; exit 101 means "action forbidden").
 *
 * It lives in the SAME shell script as the apt command, with an EXIT trap (and HUP/INT/TERM traps that turn
 * into exit), so it is removed on every path the shell survives: success, apt failing, the command being
 * interrupted. A SIGKILL of the whole container is the one path no trap sees: the file carries a marker
 * line, and the next guarded run recognises such a leftover as ours and removes it.
 *
 * Default (Ansible's policy_rc_d unset): only where no systemd is running (no /run/systemd/system: an image
 * tree, a chroot, a container) and only when there is no policy-rc.d already: a user's own is never touched.
 * With `policy_rc_d: N`, as Ansible: always, exiting N, and a user's own is moved aside and put back after.
 */

export const POLICY_RC_D = '/usr/sbin/policy-rc.d';
/** The marker that tells our leftover guard from a user's own policy-rc.d. */
export const GUARD_MARKER = '# playtree temporary guard: removed after the package run';
const SAVED = `${POLICY_RC_D}.playtree-saved`;

/** Wrap `body` (shell text) so it runs with the guard in place; the script's exit status is body's. */
export function withPolicyRcD(body: string, exitCode?: number): string {
  const p = POLICY_RC_D;
  const content = shellQuote(`#!/bin/sh\n${GUARD_MARKER}\nexit ${exitCode ?? 101}\n`);
  const forced = exitCode !== undefined;
  return [
    // A guard left by a run whose container was killed: ours, so remove it (and put back what it hid).
    `if [ -f ${p} ] && grep -qxF ${shellQuote(GUARD_MARKER)} ${p} 2>/dev/null; then rm -f ${p}; fi`,
    `if [ -e ${SAVED} ] && [ ! -e ${p} ]; then mv -f ${SAVED} ${p}; fi`,
    'pt_guard=',
    forced
      ? `pt_guard=1; if [ -e ${p} ] || [ -L ${p} ]; then mv -f ${p} ${SAVED} || exit 1; fi`
      : `if [ ! -e ${p} ] && [ ! -L ${p} ] && [ ! -d /run/systemd/system ]; then pt_guard=1; fi`,
    'if [ -n "$pt_guard" ]; then',
    `  ${cleanupOnExit(`rm -f ${p}; if [ -e ${SAVED} ]; then mv -f ${SAVED} ${p}; fi`)}`,
    `  { [ -d /usr/sbin ] || mkdir -p /usr/sbin; } && printf '%s' ${content} > ${p} && chmod 0755 ${p} || { echo 'could not write ${p}' >&2; exit 1; }`,
    'fi',
    body,
  ].join('\n');
}
