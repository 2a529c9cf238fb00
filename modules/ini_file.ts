import { ModuleError } from '../src/core/errors.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { editIni } from './iniEdit.js';
import { rewriteTextFile } from './textFileEdit.js';

/**
 * community.general.ini_file: path (dest), section, option, value, values, state, exclusive, no_extra_spaces,
 * allow_no_value, create, backup, mode, owner, group; diff as Ansible's `<path> (content)`. The edit is
 * iniEdit.ts. Ignored: follow, attributes, selevel/serole/setype/seuser, unsafe_writes.
 */
export const iniFileModule: ModuleDefinition = {
  name: 'ini_file',
  args: {
    path: { type: 'path', required: true, aliases: ['dest'] },
    section: { type: 'str' },
    option: { type: 'str' },
    value: { type: 'str' },
    values: { type: 'list', elements: 'str' },
    state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
    exclusive: { type: 'bool', default: true },
    no_extra_spaces: { type: 'bool', default: false },
    allow_no_value: { type: 'bool', default: false },
    create: { type: 'bool', default: true },
    backup: { type: 'bool', default: false },
    mode: { type: 'raw' },
    owner: { type: 'str' },
    group: { type: 'str' },
    follow: { type: 'bool', default: false },
    attributes: { type: 'str', aliases: ['attr'] },
    unsafe_writes: { type: 'bool', default: false },
  },
  run: runIniFile,
};

async function runIniFile(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const path = a['path'] as string;
  const value = a['value'] as string | undefined;
  const listed = a['values'] as string[] | undefined;
  if (value !== undefined && listed !== undefined && listed.length) throw new ModuleError('parameters are mutually exclusive: value|values');
  const present = a['state'] === 'present';
  if (present && !a['allow_no_value'] && value === undefined && !listed?.length) {
    throw new ModuleError("Parameter 'value(s)' must be defined if state=present and allow_no_value=False.");
  }
  let msg = 'OK';
  let missing = false;
  const outcome = await rewriteTextFile(ctx, {
    path,
    header: `${path} (content)`,
    edit(text, exists) {
      if (!exists && !a['create']) {
        missing = true;
        return text;
      }
      const edit = editIni(text, {
        section: a['section'] as string | undefined,
        option: a['option'] as string | undefined,
        values: value !== undefined ? [value] : (listed ?? []),
        present,
        exclusive: a['exclusive'] as boolean,
        noExtraSpaces: a['no_extra_spaces'] as boolean,
        allowNoValue: a['allow_no_value'] as boolean,
      });
      msg = edit.msg;
      return edit.changed ? edit.text : text;
    },
  });
  if (missing) return { changed: false, failed: true, rc: 257, msg: `Destination ${path} does not exist!` };
  if (outcome.failure) return outcome.failure;
  return {
    changed: outcome.changed,
    msg,
    path,
    ...(outcome.diff ? { diff: outcome.diff } : {}),
    ...(outcome.backupFile ? { backup_file: outcome.backupFile } : {}),
  };
}
