import type { SshSettings } from './sshSettings.js';

/*
 * Telling ssh's own failures from a remote command's, and saying what to do about them. ssh exits 255 when
 * it failed itself, but a remote command may exit 255 too: only a 255 whose last stderr line is one of ssh's
 * own messages counts as the connection's failure (the host is then UNREACHABLE).
 */

const SSH_OWN_MESSAGE = new RegExp(
  [
    '^ssh:',
    '^ssh_\\w+:',
    '^mux_client\\w*:',
    '^muxclient:',
    '^control ?socket',
    '^connection (?:to .* closed|closed by|reset by|timed out)',
    '^client_loop:',
    '^kex_\\w+:',
    '^host key verification failed',
    '.*: permission denied \\(',
    '^permission denied \\(',
    '^received disconnect',
    '^disconnected from',
    '^bad (?:owner|configuration|port)',
    '^command-line line \\d+:',
    '^no argument after keyword',
    '^unable to negotiate',
    '^too many authentication failures',
    '^timeout, server',
    '^packet_write_wait:',
    '^broken pipe',
    '^unix_listener:',
  ].join('|'),
  'i',
);

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

/** Whether a command's exit code and stderr are ssh's own failure rather than the remote command's. */
export function isSshFailure(rc: number, stderr: string): boolean {
  return rc === 255 && SSH_OWN_MESSAGE.test(lastLine(stderr));
}

/** A one-line message for ssh's failure, with what to do next where there is a usual fix. */
export function describeSshFailure(settings: SshSettings, stderr: string): string {
  const said = lastLine(stderr).replace(/\.$/, '') || 'ssh failed without a message';
  const where = settings.port === undefined ? settings.address : `${settings.address} port ${settings.port}`;
  const knownName = settings.port === undefined ? settings.address : `[${settings.address}]:${settings.port}`;
  const prefix = 'Failed to connect to the host via ssh:';
  if (/host key verification failed/i.test(said)) {
    if (/REMOTE HOST IDENTIFICATION HAS CHANGED|host key for .* has changed/i.test(stderr)) {
      return (
        `${prefix} the host key of ${where} has CHANGED since it was recorded in known_hosts (${said}); ` +
        `if the change is expected, remove the old key (ssh-keygen -R '${knownName}') and add the new one, else find out who answers at that address`
      );
    }
    const scan = `ssh-keyscan${settings.port === undefined ? '' : ` -p ${settings.port}`} ${settings.address} >> ~/.ssh/known_hosts`;
    return (
      `${prefix} the host key of ${where} is unknown (not in known_hosts, and host key checking is on) (${said}); ` +
      `check the key and add it to known_hosts (e.g. ${scan}), or set host_key_checking = False (ANSIBLE_HOST_KEY_CHECKING=False) to skip the check`
    );
  }
  if (/permission denied \(/i.test(said)) {
    return `${prefix} ${said}; check ansible_user and ansible_ssh_private_key_file (playtree's ssh never answers a password prompt: use a key or an ssh-agent)`;
  }
  if (/^mux_client|^control ?socket|^client_loop|^connection to .* closed|^broken pipe/i.test(said)) return describeLostConnection(settings, said);
  return `${prefix} ${said}`;
}

/** A command cut off by the end of its connection (its master killed, the network gone). */
export function describeLostConnection(settings: SshSettings, said: string): string {
  const where = settings.port === undefined ? settings.address : `${settings.address} port ${settings.port}`;
  return `Failed to connect to the host via ssh: the connection to ${where} was lost while a command ran (${said}); the command's outcome is unknown: rerun the play`;
}
