import { ModuleError } from '../src/core/errors.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { rewriteTextFile } from './textFileEdit.js';

/**
 * community.general.pam_limits: domain, limit_type, limit_item, value, use_max, use_min, backup, dest (default
 * /etc/security/limits.conf), comment. The line for domain/type/item is changed in place or appended
 * (tab-separated, as Ansible writes it); `msg` is the line. Differs: a line's own comment is kept when it is
 * rewritten without `comment`, never one from an earlier line (Ansible carries that over by accident).
 */
const ITEMS = ['core', 'data', 'fsize', 'memlock', 'nofile', 'rss', 'stack', 'cpu', 'nproc', 'as', 'maxlogins', 'maxsyslogins', 'priority', 'locks', 'sigpending', 'msgqueue', 'nice', 'rtprio', 'chroot'];

export const pamLimitsModule: ModuleDefinition = {
  name: 'pam_limits',
  args: {
    domain: { type: 'str', required: true },
    limit_type: { type: 'str', required: true, choices: ['soft', 'hard', '-'] },
    limit_item: { type: 'str', required: true, choices: ITEMS },
    value: { type: 'str', required: true },
    use_max: { type: 'bool', default: false },
    use_min: { type: 'bool', default: false },
    backup: { type: 'bool', default: false },
    dest: { type: 'str', default: '/etc/security/limits.conf' },
    comment: { type: 'str', default: '' },
  },
  run: runPamLimits,
};

const UNLIMITED = ['unlimited', 'infinity', '-1'];

function checkValue(item: string, value: string, prefix = ''): void {
  if (item === 'nice' || item === 'priority') {
    const n = Number(value);
    if (!/^[-+]?\d+$/.test(value.trim()) || n < -20 || n > 19) {
      throw new ModuleError(`${prefix}Value of '${value}' for item '${item}' is invalid. Value must be a number in the range -20 to 19 inclusive.`);
    }
  } else if (!UNLIMITED.includes(value) && !/^\d+$/.test(value)) {
    throw new ModuleError(`${prefix}Value of '${value}' for item '${item}' is invalid. Value must either be 'unlimited', 'infinity' or -1, all of which indicate no limit, or a limit of 0 or larger.`);
  }
}

export interface LimitRequest {
  domain: string;
  type: string;
  item: string;
  value: string;
  useMax: boolean;
  useMin: boolean;
  comment: string;
}

/** The value use_max/use_min keep, given the one in the file. */
function chosenValue(request: LimitRequest, actual: string): string {
  const actualUnlimited = UNLIMITED.includes(actual);
  const wantedUnlimited = UNLIMITED.includes(request.value);
  if (request.useMax) return actualUnlimited ? actual : wantedUnlimited ? request.value : String(Math.max(Number(request.value), Number(actual)));
  if (request.useMin) {
    if (actualUnlimited) return request.value;
    return wantedUnlimited ? actual : String(Math.min(Number(request.value), Number(actual)));
  }
  return request.value;
}

export function editLimits(text: string, request: LimitRequest, dest = 'limits.conf'): { text: string; line: string } {
  const out: string[] = [];
  let message = '';
  let found = false;
  const render = (value: string, comment: string) => `${request.domain}\t${request.type}\t${request.item}\t${value}${comment ? `\t#${comment}` : ''}\n`;
  for (const line of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    const squeezed = line.replace(/\s+/g, ' ').trim();
    const fields = squeezed.split('#', 1)[0]!.trimEnd().split(' ');
    if (line.startsWith('#') || squeezed === '' || fields.length !== 4) {
      out.push(line);
      continue;
    }
    const [domain, type, item, actual] = fields as [string, string, string, string];
    checkValue(item, actual, `Invalid configuration found in '${dest}'. `);
    if (domain !== request.domain || type !== request.type || item !== request.item) {
      out.push(line);
      continue;
    }
    const value = request.value === actual ? actual : chosenValue(request, actual);
    const comment = request.comment || (line.includes('#') ? line.slice(line.indexOf('#') + 1).replace(/\n$/, '') : '');
    found = true;
    message = value === actual ? line : render(value, comment);
    out.push(message);
  }
  if (!found) {
    message = render(request.value, request.comment);
    out.push(message);
  }
  return { text: out.join(''), line: message };
}

async function runPamLimits(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  if (a['use_max'] && a['use_min']) throw new ModuleError('Cannot use use_min and use_max at the same time.');
  const request: LimitRequest = {
    domain: a['domain'] as string, type: a['limit_type'] as string, item: a['limit_item'] as string, value: a['value'] as string,
    useMax: a['use_max'] as boolean, useMin: a['use_min'] as boolean, comment: a['comment'] as string,
  };
  checkValue(request.item, request.value);
  const dest = a['dest'] as string;
  let line = '';
  const outcome = await rewriteTextFile(ctx, {
    path: dest,
    wanted: {},
    missingParent: `directory ${dest.replace(/\/[^/]*$/, '') || '/'} is not writable (check presence, access rights, use sudo)`,
    edit(text) {
      const edit = editLimits(text, request, dest);
      line = edit.line;
      return edit.text;
    },
  });
  if (outcome.failure) return outcome.failure;
  return {
    changed: outcome.changed,
    msg: line,
    diff: { before: outcome.before, after: outcome.after },
    ...(outcome.backupFile ? { backup_file: outcome.backupFile } : {}),
  };
}
