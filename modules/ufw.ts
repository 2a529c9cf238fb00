import { ModuleError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import { cleanupOnExit } from '../src/core/shellTraps.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';

/**
 * community.general.ufw, for an image tree with the ufw package: state enabled/disabled, default (policy)
 * with direction, logging, and rules (rule, direction, interface/interface_in/interface_out, from_ip,
 * from_port, to_ip, to_port/port, proto, name/app, comment, log, delete, insert, route).
 * A tree shares the controller's network stack (chroot, nspawn without a private network), so ufw must never
 * touch the live firewall: `state: enabled` only writes ENABLED=yes in /etc/ufw/ufw.conf (the firewall comes
 * up at boot), and every other change runs the tree's `ufw` while that file says ENABLED=no, so ufw only
 * rewrites its rule files; the file is put back in the same command, even when ufw fails.
 * changed compares ufw's files (ufw.conf, user.rules, user6.rules, /etc/default/ufw) before and after.
 * Differs: states reloaded and reset and insert_relative_to are refused (they act on the live firewall or
 * need it); check mode runs ufw with --dry-run and reports changed when anything was asked.
 */
export const ufwModule: ModuleDefinition = {
  name: 'ufw',
  args: {
    state: { type: 'str', choices: ['enabled', 'disabled', 'reloaded', 'reset'] },
    default: { type: 'str', aliases: ['policy'], choices: ['allow', 'deny', 'reject'] },
    logging: { type: 'str', choices: ['on', 'off', 'low', 'medium', 'high', 'full'] },
    direction: { type: 'str', choices: ['in', 'incoming', 'out', 'outgoing', 'routed'] },
    delete: { type: 'bool', default: false },
    route: { type: 'bool', default: false },
    insert: { type: 'int' },
    insert_relative_to: { type: 'str', default: 'zero', choices: ['first-ipv4', 'first-ipv6', 'last-ipv4', 'last-ipv6', 'zero'] },
    rule: { type: 'str', choices: ['allow', 'deny', 'limit', 'reject'] },
    interface: { type: 'str', aliases: ['if'] },
    interface_in: { type: 'str', aliases: ['if_in'] },
    interface_out: { type: 'str', aliases: ['if_out'] },
    log: { type: 'bool', default: false },
    from_ip: { type: 'str', default: 'any', aliases: ['from', 'src'] },
    from_port: { type: 'str' },
    to_ip: { type: 'str', default: 'any', aliases: ['dest', 'to'] },
    to_port: { type: 'str', aliases: ['port'] },
    proto: { type: 'str', aliases: ['protocol'], choices: ['any', 'tcp', 'udp', 'ipv6', 'esp', 'ah', 'gre', 'igmp'] },
    name: { type: 'str', aliases: ['app'] },
    comment: { type: 'str' },
  },
  run,
};

const CONF = '/etc/ufw/ufw.conf';
const FILES = [CONF, '/etc/ufw/user.rules', '/etc/ufw/user6.rules', '/etc/default/ufw'];
const SAVED = `${CONF}.playtree-saved`;

/** The ufw command lines a task asks for (without `ufw` itself), as community.general.ufw orders the words. */
export function ufwCommands(a: Record<string, unknown>): string[][] {
  const commands: string[][] = [];
  const direction = a['direction'] as string | undefined;
  if (a['default'] !== undefined) {
    const defaultDirection = direction === 'in' ? 'incoming' : direction === 'out' ? 'outgoing' : direction;
    commands.push(['default', a['default'] as string, ...(defaultDirection ? [defaultDirection] : [])]);
  }
  if (a['logging'] !== undefined) commands.push(['logging', a['logging'] as string]);
  if (a['rule'] === undefined) return commands;
  if (direction === 'incoming' || direction === 'outgoing' || direction === 'routed') {
    throw new ModuleError(`direction ${direction} is for default policies; a rule takes in or out`);
  }
  const argv: string[] = [];
  const add = (when: unknown, ...words: string[]) => {
    if (when !== undefined && when !== false && when !== null) argv.push(...words);
  };
  add(a['delete'], 'delete');
  add(a['route'], 'route');
  add(a['insert'], 'insert', String(a['insert']));
  argv.push(a['rule'] as string);
  add(direction, direction ?? '');
  add(a['interface'], 'on', String(a['interface']));
  add(a['interface_in'], 'in', 'on', String(a['interface_in']));
  add(a['interface_out'], 'out', 'on', String(a['interface_out']));
  add(a['log'], 'log');
  add(a['from_ip'], 'from', String(a['from_ip']));
  add(a['from_port'], 'port', String(a['from_port']));
  add(a['to_ip'], 'to', String(a['to_ip']));
  add(a['to_port'], 'port', String(a['to_port']));
  add(a['proto'], 'proto', String(a['proto']));
  add(a['name'], 'app', String(a['name']));
  add(a['comment'], 'comment', String(a['comment']));
  commands.push(argv);
  return commands;
}

/** One script: sums before, ufw with ENABLED=no in force (put back by trap), ENABLED= as asked, sums after. */
function ufwScript(commands: string[][], enabled: boolean | undefined, dryRun: boolean): string {
  const sums = `cat -- ${FILES.map((f) => shellJoin([f])).join(' ')} 2>/dev/null | cksum`;
  const ufw = commands.map((argv) => `ufw ${dryRun ? '--dry-run ' : ''}${shellJoin(argv)} >&2 || exit $?`);
  const setEnabled = enabled === undefined || dryRun ? [] : [`sed -i 's/^ENABLED=.*/ENABLED=${enabled ? 'yes' : 'no'}/' ${CONF}`];
  return [
    `[ -x /usr/sbin/ufw ] && [ -f ${CONF} ] || { echo 'ufw is not installed in the target: install the ufw package first (apt: name=ufw)' >&2; exit 127; }`,
    'export LC_ALL=C',
    `echo "before=$(${sums})"`,
    `cp -p ${CONF} ${SAVED} || exit 1`,
    cleanupOnExit(`if [ -e ${SAVED} ]; then mv -f ${SAVED} ${CONF}; fi`),
    // ufw applies a change to the live firewall only when its config says enabled: never, here.
    `sed -i 's/^ENABLED=.*/ENABLED=no/' ${CONF} || exit 1`,
    ...ufw,
    `mv -f ${SAVED} ${CONF}`,
    'trap - EXIT',
    ...setEnabled,
    `echo "after=$(${sums})"`,
  ].join('\n');
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const state = a['state'] as string | undefined;
  if (state === 'reloaded' || state === 'reset') throw new ModuleError(`state: ${state} is not supported in an image tree: it acts on the running firewall`);
  if (a['insert_relative_to'] !== 'zero') throw new ModuleError('insert_relative_to is not supported in an image tree (it reads the running rule numbers)');
  if (state === undefined && a['default'] === undefined && a['logging'] === undefined && a['rule'] === undefined) {
    throw new ModuleError('one of the following is required: state, default, logging, rule');
  }
  const commands = ufwCommands(a);
  const enabled = state === undefined ? undefined : state === 'enabled';
  const result = await ctx.target.exec(ufwScript(commands, enabled, ctx.check));
  if (result.rc !== 0) throw new ModuleError(result.stderr.toString().trim() || `ufw failed (rc ${result.rc})`, { rc: result.rc });
  const out = result.stdout.toString();
  const sum = (key: string) => out.match(new RegExp(`^${key}=(.*)$`, 'm'))?.[1];
  const changed = ctx.check ? commands.length > 0 || enabled !== undefined : sum('before') !== sum('after');
  return { changed, commands: commands.map((argv) => `ufw ${argv.join(' ')}`), ...(enabled !== undefined ? { state } : {}) };
}
