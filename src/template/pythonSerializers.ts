import YAML from 'yaml';
import { isMapping, isText } from '../core/pythonValues.js';
import { requireDefined } from '../core/undefinedValue.js';

/** JSON and YAML written byte-for-byte as Python's json.dumps and PyYAML's dump write them. */

function jsonString(text: string): string {
  // json.dumps escapes non-ASCII by default (ensure_ascii=True).
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** json.dumps: `", "` and `": "` separators, or indented with `","` line ends. */
export function pythonJson(value: unknown, indent?: number, sortKeys = false, depth = 0): string {
  value = requireDefined(value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  if (isText(value)) return jsonString(value.toString());
  const pad = indent === undefined ? '' : '\n' + ' '.repeat(indent * (depth + 1));
  const end = indent === undefined ? '' : '\n' + ' '.repeat(indent * depth);
  const separator = indent === undefined ? ', ' : ',';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return '[' + value.map((item) => pad + pythonJson(item, indent, sortKeys, depth + 1)).join(separator) + end + ']';
  }
  if (isMapping(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) return '{}';
    if (sortKeys) keys.sort();
    return '{' + keys.map((key) => pad + jsonString(key) + ': ' + pythonJson(value[key], indent, sortKeys, depth + 1)).join(separator) + end + '}';
  }
  return jsonString(String(value));
}

// YAML 1.1 rules, as PyYAML: strings such as 'yes' or '010' get quotes, in single quotes.
const SCALAR_OPTIONS = { version: '1.1', singleQuote: true, lineWidth: 0, flowCollectionPadding: false } as const;

// PyYAML reads only yes/no/on/off/true/false as booleans, not y/n as YAML 1.1 allows: no quotes for those.
const PLAIN_IN_PYYAML = /^[yYnN]$/;

/**
 * PyYAML writes a string with line breaks single-quoted, each break doubled and the next line indented
 * (`'line1\n\n  line2'`), unless a break touches a space or the text has control characters: then
 * double-quoted.
 */
const CONTROL_CHARACTERS = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

function singleQuotable(text: string): boolean {
  return !/ \n|\n | |[\x00-\x09\x0b-\x1f\x7f-\x9f]/.test(text);
}

function multilineScalar(text: string, pad: string): string {
  if (!singleQuotable(text)) return JSON.stringify(text);
  return "'" + text.replace(/'/g, "''").replace(/\n+/g, (breaks) => '\n'.repeat(breaks.length + 1) + pad) + "'";
}

function yamlScalar(value: unknown, pad = ''): string {
  if (typeof value === 'string' && PLAIN_IN_PYYAML.test(value)) return value;
  if (typeof value === 'string' && value.includes('\n')) return multilineScalar(value, pad);
  if (typeof value === 'string' && CONTROL_CHARACTERS.test(value)) return JSON.stringify(value);
  return YAML.stringify(value, SCALAR_OPTIONS).replace(/\n$/, '');
}

function isEmptyCollection(value: unknown): boolean {
  return (Array.isArray(value) && value.length === 0) || (isMapping(value) && Object.keys(value).length === 0);
}

// PyYAML's line width: a plain or single-quoted scalar is folded at a single space past this column.
const BEST_WIDTH = 80;

/**
 * PyYAML folds a long plain or single-quoted scalar: at a lone space once the column is past 80 it starts a
 * new line, indented as a continuation (`pad`, at absolute column `continuation`).
 */
function folded(scalar: string, column: number, pad: string, continuation: number): string {
  if (column + scalar.length <= BEST_WIDTH || !/^[^"\n]/.test(scalar) || scalar.includes('\n')) return scalar;
  const pieces = scalar.split(/( +)/);
  let out = '';
  let at = column;
  pieces.forEach((piece, i) => {
    const inside = i > 0 && i < pieces.length - 1 && pieces[i - 1] !== "'" && pieces[i + 1] !== "'";
    if (piece === ' ' && inside && at > BEST_WIDTH) {
      out += '\n' + pad;
      at = continuation;
    } else {
      out += piece;
      at += piece.length;
    }
  });
  return out;
}

/**
 * PyYAML block style: nested mappings indented, sequences under a key not indented, `-` padded to indent.
 * `column` is where this block's lines start in the document (for folding long scalars).
 */
function blockLines(value: unknown, indent: number, column = 0): string[] {
  if (isEmptyCollection(value) || !(Array.isArray(value) || isMapping(value))) return yamlScalar(value).split('\n');
  const lines: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      // A collection item starts at the next indentation column; a scalar right after `- `.
      const nested = (Array.isArray(item) || isMapping(item)) && !isEmptyCollection(item);
      const [first, ...rest] = nested ? blockLines(item, indent, column + indent) : folded(yamlScalar(item), column + 2, '', column + indent).split('\n');
      // Continuation lines of the item (nested lines, or a folded scalar's) sit at the item's indentation.
      lines.push('-' + ' '.repeat(nested ? indent - 1 : 1) + first, ...rest.map((line) => (line === '' ? '' : ' '.repeat(indent) + line)));
    }
    return lines;
  }
  for (const key of Object.keys(value).sort()) {
    const item = value[key];
    const name = yamlScalar(key);
    if (isEmptyCollection(item) || !(Array.isArray(item) || isMapping(item))) {
      const pad = ' '.repeat(indent);
      lines.push(...`${name}: ${folded(yamlScalar(item, pad), column + name.length + 2, pad, column + indent)}`.split('\n'));
    } else {
      const pad = Array.isArray(item) ? '' : ' '.repeat(indent);
      lines.push(`${name}:`, ...blockLines(item, indent, column + pad.length).map((line) => (line === '' ? '' : pad + line)));
    }
  }
  return lines;
}

/** to_yaml (flow style for collections of scalars) and to_nice_yaml (block style everywhere). */
export function pythonYaml(value: unknown, indent: number, blockOnly: boolean): string {
  if (blockOnly) {
    const lines = blockLines(value, indent);
    // PyYAML ends a lone scalar document with `...`.
    return lines.join('\n') + (Array.isArray(value) || isMapping(value) ? '\n' : '\n...\n');
  }
  const document = new YAML.Document(value, { sortMapEntries: true, version: '1.1' });
  YAML.visit(document, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      if (node.value.includes('\n')) node.type = singleQuotable(node.value) ? 'QUOTE_SINGLE' : 'QUOTE_DOUBLE';
      else if (CONTROL_CHARACTERS.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
    Collection(_key, node) {
      if (node.items.every((item) => (YAML.isPair(item) ? !YAML.isCollection(item.value) : !YAML.isCollection(item)))) node.flow = true;
    },
  });
  // yaml's 1.1 schema reads y/n as booleans and quotes them; PyYAML does not.
  return document.toString({ ...SCALAR_OPTIONS, indent, indentSeq: false }).replace(/(^|[\s{[,])'([yYnN])'(?=$|[\s,:}\]])/gm, '$1$2');
}
