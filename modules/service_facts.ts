import { ModuleError } from '../src/core/errors.js';
import type { ModuleDefinition } from './module.js';

/**
 * ansible.builtin.service_facts: `ansible_facts.services`, a dict of every service by name, each
 * `{name, state, status, source}`. From systemd: unit files and their enablement (`systemctl
 * list-unit-files`, which works offline) and, when systemd runs, what list-units says runs. From SysV: the
 * scripts in /etc/init.d, `status` enabled when they have boot links. Differs: in a tree (no running init)
 * every state is `stopped` (nothing runs there), and SysV scripts are not asked their status.
 */
export const serviceFactsModule: ModuleDefinition = {
  name: 'service_facts',
  args: {},
  async run(ctx) {
    const read = await ctx.target.exec(SERVICES_SCRIPT);
    if (read.rc !== 0) throw new ModuleError(`could not list the services: ${read.stderr.toString().trim()}`, { rc: read.rc });
    return { changed: false, ansible_facts: { services: parseServices(read.stdout.toString()) } };
  },
};

const SERVICES_SCRIPT = `
echo --initd--
for f in /etc/init.d/*; do
  [ -f "$f" ] && [ -x "$f" ] || continue
  n=\${f##*/}
  case $n in README|skeleton|rc|rcS|*.dpkg-*) continue;; esac
  set -- /etc/rc?.d/S??"$n"; if [ -e "$1" ]; then echo "$n enabled"; else echo "$n disabled"; fi
done
command -v systemctl >/dev/null 2>&1 || exit 0
if [ -d /run/systemd/system ] && ! systemd-detect-virt --chroot >/dev/null 2>&1; then
  echo --units--; systemctl list-units --no-pager --type service --all --plain --no-legend 2>/dev/null
fi
echo --files--; systemctl list-unit-files --no-pager --type service --all --no-legend 2>/dev/null
exit 0`;

interface ServiceFact {
  name: string;
  state: string;
  status?: string;
  source: 'systemd' | 'sysv';
}

const BAD_STATES = new Set(['not-found', 'masked', 'failed']);

/** The script's three sections into Ansible's services dict (systemd entries win over SysV ones). */
export function parseServices(output: string): Record<string, ServiceFact> {
  const services: Record<string, ServiceFact> = {};
  let section = '';
  for (const line of output.split('\n')) {
    if (/^--\w+--$/.test(line)) {
      section = line;
      continue;
    }
    const fields = line.trim().replace(/^●\s*/, '').split(/\s+/);
    if (!fields[0]) continue;
    if (section === '--initd--') {
      services[fields[0]] = { name: fields[0], state: 'stopped', status: fields[1] ?? 'unknown', source: 'sysv' };
    } else if (section === '--units--' && fields[0].endsWith('.service')) {
      const bad = fields.find((f) => BAD_STATES.has(f));
      const status = bad ?? fields[2] ?? 'unknown';
      services[fields[0]] = { name: fields[0], state: fields[3] === 'running' ? 'running' : 'stopped', status, source: 'systemd' };
    } else if (section === '--files--' && fields[0].endsWith('.service')) {
      const known = services[fields[0]];
      const status = fields[1] ?? 'unknown';
      if (known?.source !== 'systemd') services[fields[0]] = { name: fields[0], state: 'stopped', status, source: 'systemd' };
      else if (!BAD_STATES.has(known.status ?? '')) known.status = status;
    }
  }
  return services;
}
