import YAML from 'yaml';
import { TemplateError } from '../core/errors.js';
import { bindArguments } from './filterArguments.js';
import { isText, pyStr, pyTruthy, pyTypeName } from '../core/pythonValues.js';
import { pythonJson, pythonYaml } from './pythonSerializers.js';
import type { FilterFunction } from './runtime.js';
import { isUndefined, requireDefined } from '../core/undefinedValue.js';

/** Filters that convert types and serialise: bool/int/float, JSON and YAML both ways, ternary, mandatory. */

function toBool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === null || value === undefined) return false;
  const normal = isText(value) ? value.toString().toLowerCase() : value;
  return ['yes', 'on', '1', 'true', 1].includes(normal as string | number);
}

function toInt(value: unknown, fallback: unknown, base: unknown): unknown {
  if (typeof value === 'boolean') return Number(value);
  if (typeof value === 'number') return Math.trunc(value);
  const text = pyStr(value).trim().replace(/_/g, '');
  const radix = Number(base ?? 10);
  const parsed = radix === 10 ? Number(text) : parseInt(text.replace(/^0[xob]/i, ''), radix);
  if (text !== '' && Number.isFinite(parsed) && (radix !== 10 || /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text))) return Math.trunc(parsed);
  return fallback ?? 0;
}

/**
 * Python's round(): decided on the double's exact decimal value (2.675 is 2.67499..., so 2.67), and an
 * exact half goes to the even neighbour (2.5 rounds to 2).
 */
function pythonRound(x: number, digits: number): number {
  if (!Number.isFinite(x) || digits < 0 || digits > 20) return Math.round(x * 10 ** digits) / 10 ** digits;
  const exact = Math.abs(x).toFixed(Math.min(digits + 30, 100));
  const [whole, fraction = ''] = exact.split('.');
  const away = Number(Math.abs(x).toFixed(digits));
  let rounded = away;
  if (/^50*$/.test(fraction.slice(digits))) {
    const toward = Number(`${whole}.${fraction.slice(0, digits) || '0'}`);
    const lastDigit = Number((fraction.slice(0, digits) || whole).slice(-1));
    rounded = lastDigit % 2 === 0 ? toward : away;
  }
  return x < 0 ? -rounded : rounded;
}

export const dataFilters: Record<string, FilterFunction> = {
  bool: (value) => (value === null ? null : toBool(requireDefined(value))),
  int(value, ...args) {
    const { default: fallback, base } = bindArguments('int', args, ['default', 'base']);
    return toInt(requireDefined(value), fallback, base);
  },
  float(value, ...args) {
    const { default: fallback = 0 } = bindArguments('float', args, ['default']);
    const defined = requireDefined(value);
    const parsed = typeof defined === 'number' ? defined : Number(pyStr(defined).trim());
    return Number.isNaN(parsed) || (isText(defined) && defined.trim() === '') ? fallback : parsed;
  },
  abs: (value) => Math.abs(Number(requireDefined(value))),
  round(value, ...args) {
    const { precision = 0, method = 'common' } = bindArguments('round', args, ['precision', 'method']);
    const x = Number(requireDefined(value));
    const factor = 10 ** Number(precision);
    if (method === 'ceil') return Math.ceil(x * factor) / factor;
    if (method === 'floor') return Math.floor(x * factor) / factor;
    return pythonRound(x, Number(precision));
  },
  to_json(value, ...args) {
    const { indent, sort_keys } = bindArguments('to_json', args, ['indent', 'sort_keys', 'ensure_ascii', 'separators']);
    return pythonJson(value, typeof indent === 'number' ? indent : undefined, Boolean(sort_keys));
  },
  to_nice_json(value, ...args) {
    const { indent = 4, sort_keys = true } = bindArguments('to_nice_json', args, ['indent', 'sort_keys', 'ensure_ascii']);
    return pythonJson(value, Number(indent), Boolean(sort_keys));
  },
  tojson: (value) => pythonJson(value, undefined, true),
  to_yaml(value, ...args) {
    const { indent = 2 } = bindArguments('to_yaml', args, ['indent', 'default_flow_style', 'width']);
    return pythonYaml(requireDefined(value), Number(indent), false);
  },
  to_nice_yaml(value, ...args) {
    const { indent = 4 } = bindArguments('to_nice_yaml', args, ['indent', 'width', 'sort_keys']);
    return pythonYaml(requireDefined(value), Number(indent), true);
  },
  from_json(value) {
    try {
      return JSON.parse(pyStr(requireDefined(value)));
    } catch (error) {
      throw new TemplateError(`from_json: ${(error as Error).message}`);
    }
  },
  from_yaml(value) {
    const defined = requireDefined(value);
    if (!isText(defined)) return defined;
    try {
      return YAML.parse(defined.toString());
    } catch (error) {
      throw new TemplateError(`from_yaml: ${(error as Error).message.split('\n')[0]}`);
    }
  },
  mandatory(value, ...args) {
    const { msg } = bindArguments('mandatory', args, ['msg']);
    if (isUndefined(value)) throw new TemplateError(msg !== undefined && msg !== null ? pyStr(msg) : `Mandatory variable ${value.name ? `'${value.name}' ` : ''} not defined.`);
    return value;
  },
  ternary(value, ...args) {
    const { true_val, false_val, none_val } = bindArguments('ternary', args, ['true_val', 'false_val', 'none_val']);
    if (value === null && none_val !== undefined) return none_val;
    return pyTruthy(value) ? true_val : false_val;
  },
  type_debug: (value) => pyTypeName(requireDefined(value)),
};
