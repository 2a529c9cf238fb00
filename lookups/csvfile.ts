import { parseKv } from '../src/core/kvSplit.js';
import { LookupError, textTerm, type LookupPlugin } from './lookup.js';
import { readControllerText } from './file.js';
import { findFile } from './searchPath.js';

/**
 * `csvfile`: a column of the first row whose first field is the key, from a CSV file on the controller
 * (found under `files/`). Options, or `name=value` words after the key: `file` (ansible.csv), `col` (1),
 * `delimiter` (TAB), `default` (None: no item), `encoding`.
 */
const DEFAULTS: Record<string, unknown> = { file: 'ansible.csv', col: '1', delimiter: 'TAB', default: null, encoding: 'utf-8' };

export const csvfileLookup: LookupPlugin = {
  name: 'csvfile',
  run: (terms, options, context) =>
    terms.flatMap((term) => {
      const { _raw_params: key, ...inline } = parseKv(textTerm('csvfile', term));
      if (key === undefined) throw new LookupError('Search key is required but was not found');
      const params = { ...DEFAULTS, ...options, ...inline };
      for (const name of Object.keys(params)) if (!(name in DEFAULTS)) throw new LookupError(`${name} is not a valid option`);
      const file = String(params['file']);
      const path = findFile(context, 'files', file);
      if (path === undefined) throw new LookupError(`csvfile: could not locate file in lookup: ${file} (No such file or directory)`);
      const delimiter = params['delimiter'] === 'TAB' || params['delimiter'] === '\\t' ? '\t' : String(params['delimiter']);
      const column = Number(params['col']);
      for (const row of csvRows(readControllerText(path, String(params['encoding'])), delimiter)) {
        if (row.length && row[0] === key) {
          if (!Number.isInteger(column) || column >= row.length || column < -row.length) throw new LookupError('csvfile: list index out of range');
          return [row.at(column)];
        }
      }
      return params['default'] === null || params['default'] === undefined ? [] : [params['default']];
    }),
};

/** Python's csv.reader with its default dialect: `"` quotes fields, `""` is a quote inside one. */
function csvRows(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row.length === 1 && row[0] === '' ? [] : row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  return rows;
}
