import { ModuleError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import type { ModuleDefinition, ModuleResult } from './module.js';

/**
 * ansible.builtin.debconf: name (pkg), question (selection, setting), vtype, value (answer), unseen.
 * Reads the package's answers with `debconf-show` (one command), compares as Ansible does (booleans
 * case-insensitively), and sets a changed one with `debconf-set-selections` fed on stdin (one command).
 * As Ansible: passwords are not shown by debconf-show, so a password question always reports changed.
 */
export const debconfModule: ModuleDefinition = {
  name: 'debconf',
  args: {
    name: { type: 'str', required: true, aliases: ['pkg'] },
    question: { type: 'str', aliases: ['selection', 'setting'] },
    vtype: { type: 'str', choices: ['boolean', 'error', 'multiselect', 'note', 'password', 'seen', 'select', 'string', 'text', 'title'] },
    value: { type: 'str', aliases: ['answer'] },
    unseen: { type: 'bool', default: false },
  },
  async run(ctx) {
    const a = ctx.args;
    const name = a['name'] as string;
    const question = a['question'] as string | undefined;
    const vtype = a['vtype'] as string | undefined;
    let value = a['value'] as string | undefined;
    const given = [question, vtype, value].filter((v) => v !== undefined).length;
    if (given > 0 && given < 3) throw new ModuleError('parameters are required together: question, vtype, value');

    const shown = await ctx.target.exec(['debconf-show', name]);
    if (shown.rc !== 0) throw new ModuleError(shown.stderr.toString().trim() || `debconf-show ${name} failed (rc ${shown.rc}); is debconf installed in the target?`);
    let previous = parseDebconfShow(shown.stdout.toString());
    if (question === undefined) return { changed: false, msg: '', current: previous };

    let existing = previous[question];
    if (vtype === 'boolean') {
      value = value!.toLowerCase();
      existing = existing?.toLowerCase();
    }
    if (existing === value) return { changed: false, msg: '', current: previous };

    let msg = '';
    if (!ctx.check) {
      const argv = ['debconf-set-selections', ...(a['unseen'] ? ['-u'] : [])];
      const set = await ctx.target.exec(shellJoin(argv), { stdin: `${[name, question, vtype, value].join(' ')}\n` });
      if (set.rc !== 0) throw new ModuleError(set.stderr.toString().trim() || `debconf-set-selections failed (rc ${set.rc})`, { rc: set.rc });
      msg = set.stdout.toString();
    }
    const current = { [question]: value! };
    previous = { [question]: previous[question] ?? '' };
    const result: ModuleResult = { changed: true, msg, current, previous };
    if (ctx.diff) result.diff = { before: previous, after: { ...previous, ...current } } as unknown as ModuleResult['diff'];
    return result;
  },
};

/** `debconf-show` lines (`* pkg/question: value`, the star marking seen questions) into question → value. */
export function parseDebconfShow(text: string): Record<string, string> {
  const selections: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).replace(/^[\s*]+|[\s*]+$/g, '');
    selections[key] = line.slice(colon + 1).trim();
  }
  return selections;
}
