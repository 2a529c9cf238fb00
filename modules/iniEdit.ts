/**
 * The text editing of community.general.ini_file, on the controller: the same decisions as its do_ini (options
 * matched with or without a leading `#`/`;`, `exclusive` dropping other occurrences, new options after the
 * section's last non-blank, non-comment line, a new section appended at the end).
 */

export interface IniRequest {
  /** undefined: the lines before the first section. */
  section?: string | undefined;
  option?: string | undefined;
  values: string[];
  present: boolean;
  exclusive: boolean;
  noExtraSpaces: boolean;
  allowNoValue: boolean;
}

export interface IniEdit {
  text: string;
  changed: boolean;
  msg: string;
}

/** A name no real file uses, standing for the lines before the first section. */
const TOP = '\u0000top-of-file';

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const withoutNewline = (line: string) => (line.endsWith('\n') ? line.slice(0, -1) : line);

function optionPattern(option: string, commented: boolean): RegExp {
  return new RegExp(`^${commented ? '[#;]?' : ''}[ \\t]*(${escapeRegex(option)})[ \\t]*(=|$)[ \\t]*(.*)`);
}

export function editIni(text: string, request: IniRequest): IniEdit {
  const lines: string[] = [...(text.match(/[^\n]*\n|[^\n]+$/g) ?? [])];
  let changed = false;
  if (!lines.length) lines.push('\n');
  if (!lines.at(-1)!.endsWith('\n')) {
    lines[lines.length - 1] += '\n';
    changed = true;
  }
  const section = request.section || TOP;
  const all = [`[${TOP}]`, ...lines, '['];
  let start = 0;
  let end = 0;
  let within = false;
  for (const [index, line] of all.entries()) {
    if (line.startsWith(`[${section}]`)) {
      within = true;
      start = index;
    } else if (line.startsWith('[') && within) {
      end = index;
      break;
    }
  }
  const edit = { changed, msg: 'OK', lines: all.slice(start, end) };
  if (request.present) presentInSection(edit, request);
  else absentInSection(edit, request);
  const result = [...all.slice(0, start), ...edit.lines, ...all.slice(end)].slice(1, -1);
  if (!within && request.present) {
    result.push(`[${section}]\n`);
    edit.msg = 'section and option added';
    if (request.option && request.values.length) result.push(...request.values.map((value) => assignment(request, value)));
    else if (request.option && request.allowNoValue) result.push(`${request.option}\n`);
    else edit.msg = 'only section added';
    edit.changed = true;
  }
  return { text: result.join(''), changed: edit.changed, msg: edit.msg };
}

interface SectionEdit {
  changed: boolean;
  msg: string;
  lines: string[];
}

function assignment(request: IniRequest, value: string): string {
  return request.noExtraSpaces ? `${request.option}=${value}\n` : `${request.option} = ${value}\n`;
}

function presentInSection(edit: SectionEdit, request: IniRequest): void {
  const option = request.option;
  const values = [...new Set(request.values)];
  const touched = new Set<number>();
  let noValuePresent = false;
  const replace = (index: number, line: string) => {
    if (edit.lines[index] !== line) Object.assign(edit, { changed: true, msg: 'option changed' });
    edit.lines[index] = line;
    touched.add(index);
  };
  if (option) {
    const pattern = optionPattern(option, true);
    for (const [index, line] of edit.lines.entries()) {
      const match = pattern.exec(withoutNewline(line));
      if (!match) continue;
      const value = match[3]!;
      if (values.length && values.includes(value)) {
        if (!value && request.allowNoValue) (noValuePresent = true), replace(index, `${option}\n`);
        else replace(index, assignment(request, value));
        values.splice(values.indexOf(value), 1);
      } else if (!values.length && request.allowNoValue) {
        replace(index, `${option}\n`);
        noValuePresent = true;
        break;
      }
    }
    if (request.exclusive && !request.allowNoValue) {
      for (const [index, line] of edit.lines.entries()) {
        if (!values.length) break;
        if (!touched.has(index) && pattern.test(withoutNewline(line))) replace(index, assignment(request, values.shift()!));
      }
      // Every other occurrence goes (the section header line, index 0, is never an option).
      for (let index = edit.lines.length - 1; index > 0; index--) {
        if (!touched.has(index) && pattern.test(withoutNewline(edit.lines[index]!))) {
          edit.lines.splice(index, 1);
          Object.assign(edit, { changed: true, msg: 'option changed' });
        }
      }
    }
  }
  const blankOrComment = /^[ \t]*([#;].*)?$/;
  for (let index = edit.lines.length; index > 0; index--) {
    if (blankOrComment.test(withoutNewline(edit.lines[index - 1]!))) continue;
    if (option && values.length) {
      edit.lines.splice(index, 0, ...values.map((value) => assignment(request, value)));
      Object.assign(edit, { changed: true, msg: 'option added' });
    } else if (option && request.allowNoValue && !noValuePresent) {
      edit.lines.splice(index, 0, `${option}\n`);
      Object.assign(edit, { changed: true, msg: 'option added' });
    }
    break;
  }
}

function absentInSection(edit: SectionEdit, request: IniRequest): void {
  if (!request.option) {
    if (edit.lines.length) Object.assign(edit, { lines: [], changed: true, msg: 'section removed' });
    return;
  }
  const pattern = optionPattern(request.option, false);
  let kept: string[];
  if (request.exclusive) kept = edit.lines.filter((line) => !pattern.test(withoutNewline(line)));
  else if (request.values.length) {
    kept = edit.lines.filter((line) => {
      const match = pattern.exec(withoutNewline(line));
      return !(match && request.values.includes(match[3]!));
    });
  } else return;
  if (kept.length !== edit.lines.length) Object.assign(edit, { lines: kept, changed: true, msg: 'option changed' });
}
