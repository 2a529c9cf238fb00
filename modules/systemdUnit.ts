/**
 * What systemd says about one unit on the target, read in ONE command and parsed on the controller; shared by
 * the systemd and service modules. Works in an image tree with no running systemd: `systemctl is-enabled`,
 * `enable`, `disable`, `mask` and `unmask` act on unit files offline (systemctl sees no systemd as PID 1), and
 * whether systemd runs is told by `/run/systemd/system`, as sd_booted() does.
 */

/** Fields a unit's read prints, one `key=value` per line; after `--show--` comes `systemctl show` (online only). */
export const UNIT_STATE_SCRIPT = `pt_unit=$1; pt_ctl=$2
# A chroot may see the host's /run: systemd-detect-virt --chroot tells (systemctl ignores start there).
if [ -d /run/systemd/system ] && ! systemd-detect-virt --chroot >/dev/null 2>&1; then pt_running=1; else pt_running=0; fi
echo running=$pt_running
if ! command -v systemctl >/dev/null 2>&1; then echo systemctl=0; exit 0; fi
echo systemctl=1
[ -n "$pt_unit" ] || exit 0
if [ -e "/etc/init.d/$pt_unit" ]; then echo initd=1; fi
set -- /etc/rc?.d/S??"$pt_unit"; if [ -e "$1" ]; then echo initd_enabled=1; fi
pt_out=$($pt_ctl is-enabled "$pt_unit" -l 2>/dev/null); echo "enabled_rc=$?"
while IFS= read -r pt_l; do printf 'enabled_out=%s\\n' "$pt_l"; done <<PT_END
$pt_out
PT_END
if $pt_ctl list-unit-files "$pt_unit" >/dev/null 2>&1; then echo listed=1; fi
if [ "$pt_running" = 1 ]; then echo --show--; $pt_ctl show "$pt_unit" 2>/dev/null; fi
exit 0`;

/** systemctl's unit file states that prove systemd knows the unit (systemctl(1), systemd 244+). */
const KNOWN_STATES = new Set([
  'enabled', 'enabled-runtime', 'linked', 'linked-runtime', 'masked', 'masked-runtime', 'static', 'indirect',
  'disabled', 'generated', 'transient', 'alias',
]);

export interface UnitState {
  /** systemd is the running init (/run/systemd/system exists, outside a chroot); false in an image tree. */
  running: boolean;
  /** systemctl is installed in the target. */
  hasSystemctl: boolean;
  /** systemd or a SysV script knows the unit. */
  found: boolean;
  /** Only a SysV script in /etc/init.d knows it. */
  initdOnly: boolean;
  masked: boolean;
  /** Started at boot, judged as Ansible's systemd module does. */
  enabled: boolean;
  /** `systemctl show` as a dict (empty when systemd is not running). */
  status: Record<string, string>;
}

/** Parse UNIT_STATE_SCRIPT's output. */
export function parseUnitState(output: string): UnitState {
  const [head = '', show] = output.split(/^--show--\n/m);
  const fields = new Map<string, string>();
  const enabledLines: string[] = [];
  for (const line of head.split('\n')) {
    const at = line.indexOf('=');
    if (at < 0) continue;
    const key = line.slice(0, at);
    const value = line.slice(at + 1);
    if (key === 'enabled_out') {
      if (value.trim() !== '') enabledLines.push(value.trim());
    } else fields.set(key, value);
  }
  const status = show === undefined ? {} : parseSystemctlShow(show);
  const enabledRc = Number(fields.get('enabled_rc') ?? 1);
  const initd = fields.get('initd') === '1';
  const byShow = status['LoadState'] !== undefined && status['LoadState'] !== 'not-found';
  const systemdKnows = byShow || enabledLines.some((s) => KNOWN_STATES.has(s)) || fields.get('listed') === '1';
  let enabled = false;
  if (enabledRc === 0) {
    // Ansible: a unit that is only 'indirect' or an 'alias' is not enabled itself.
    enabled = !(enabledLines.length === 1 && (enabledLines[0] === 'indirect' || enabledLines[0] === 'alias'));
  } else if (initd && !(enabledLines.join('\n').endsWith('disabled')) && fields.get('initd_enabled') === '1') {
    enabled = true;
  }
  return {
    running: fields.get('running') === '1',
    hasSystemctl: fields.get('systemctl') === '1',
    found: systemdKnows || initd,
    initdOnly: initd && !systemdKnows,
    masked: enabledLines.join('\n') === 'masked',
    enabled,
    status,
  };
}

/** `systemctl show` lines (`Key=value`) as a dict; a value starting with `{` may run over several lines. */
export function parseSystemctlShow(text: string): Record<string, string> {
  const status: Record<string, string> = {};
  let open: { key: string; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (open) {
      open.lines.push(line);
      if (line.trimEnd().endsWith('}')) {
        status[open.key] = open.lines.join('\n');
        open = undefined;
      }
      continue;
    }
    const at = line.indexOf('=');
    if (at <= 0) continue;
    const key = line.slice(0, at);
    const value = line.slice(at + 1);
    if (value.startsWith('{') && !value.trimEnd().endsWith('}')) open = { key, lines: [value] };
    else status[key] = value;
  }
  return status;
}

/** Ansible's is_running_service / is_deactivating_service. */
export function isRunning(status: Record<string, string>): boolean {
  return status['ActiveState'] === 'active' || status['ActiveState'] === 'activating';
}

export function isDeactivating(status: Record<string, string>): boolean {
  return status['ActiveState'] === 'deactivating';
}
