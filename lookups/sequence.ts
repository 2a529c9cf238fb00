import { parseKv } from '../src/core/kvSplit.js';
import { pyFormat } from '../src/core/pythonValues.js';
import { LookupError, textTerm, type LookupPlugin } from './lookup.js';

/**
 * `sequence`: numbers as formatted text. A term is the shortcut `[start-]end[/stride][:format]` or
 * `start=0 end=3 stride=1 format=%02d` / `count=4` (numbers may be 0x.. hex or 0.. octal); the same keys
 * may be given as options (`query('sequence', start=0, end=3)`).
 */
interface SequenceSpec {
  start: number;
  end?: number;
  count?: number;
  stride: number;
  format: string;
}

const NUMBER = '(0?x?[0-9a-f]+)';
const SHORTCUT = new RegExp(`^(${NUMBER}-)?${NUMBER}(/${NUMBER})?(:(.+))?$`, 'i');

export const sequenceLookup: LookupPlugin = {
  name: 'sequence',
  run: (terms, options) => {
    const specs = terms.map((term) => parseTerm(textTerm('sequence', term)));
    if (terms.length === 0 && Object.keys(options).length > 0) specs.push(parseKeys(Object.fromEntries(Object.entries(options).map(([k, v]) => [k, String(v)]))));
    return specs.flatMap(generate);
  },
};

/** Python's int(text, 0): decimal, 0x hex, 0o or legacy 0 octal. */
function parseInteger(name: string, text: string): number {
  const trimmed = text.trim();
  let value = NaN;
  if (/^[+-]?(0|[1-9][0-9]*)$/.test(trimmed)) value = Number(trimmed);
  else if (/^0[xX][0-9a-fA-F]+$/.test(trimmed)) value = parseInt(trimmed.slice(2), 16);
  else if (/^0[oO]?[0-7]+$/.test(trimmed)) value = parseInt(trimmed.replace(/^0[oO]?/, ''), 8);
  if (Number.isNaN(value)) throw new LookupError(`can't parse ${name}=${text} as integer`);
  return value;
}

function parseTerm(term: string): SequenceSpec {
  const match = SHORTCUT.exec(term);
  if (!match) return parseKeys(parseKv(term));
  const spec: SequenceSpec = { start: 1, stride: 1, format: '%d' };
  if (match[2] !== undefined) spec.start = parseInteger('start', match[2]);
  spec.end = parseInteger('end', match[3]!);
  if (match[5] !== undefined) spec.stride = parseInteger('stride', match[5]);
  if (match[7] !== undefined) spec.format = match[7];
  return spec;
}

function parseKeys(args: Record<string, string>): SequenceSpec {
  const spec: SequenceSpec = { start: 1, stride: 1, format: '%d' };
  const { start, end, count, stride, format, ...rest } = args;
  if (start !== undefined) spec.start = parseInteger('start', start);
  if (end !== undefined) spec.end = parseInteger('end', end);
  if (count !== undefined) spec.count = parseInteger('count', count);
  if (stride !== undefined) spec.stride = parseInteger('stride', stride);
  if (format !== undefined) spec.format = format;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new LookupError(`unrecognized arguments to with_sequence: [${unknown.map((k) => `'${k}'`).join(', ')}]`);
  return spec;
}

function generate(spec: SequenceSpec): string[] {
  let { start, end, stride } = spec;
  if (spec.count === undefined && end === undefined) throw new LookupError('must specify count or end in with_sequence');
  if (spec.count !== undefined && end !== undefined) throw new LookupError("can't specify both count and end in with_sequence");
  if (spec.count !== undefined) {
    if (spec.count === 0) [start, end, stride] = [0, 0, 0];
    else end = start + spec.count * stride - 1;
  }
  if (stride > 0 && end! < start) throw new LookupError('to count backwards make stride negative');
  if (stride < 0 && end! > start) throw new LookupError("to count forward don't make stride negative");
  if ((spec.format.match(/%/g) ?? []).length !== 1) throw new LookupError(`bad formatting string: ${spec.format}`);
  if (stride === 0) return [];
  const out: string[] = [];
  const stop = end! + (stride > 0 ? 1 : -1);
  for (let i = start; stride > 0 ? i < stop : i > stop; i += stride) out.push(pyFormat(spec.format, [i]));
  return out;
}
