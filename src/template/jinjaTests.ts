import { lstatSync, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute } from 'node:path';
import { TemplateError } from '../core/errors.js';
import { filters, tests } from './registry.js';
import { bindArguments } from './filterArguments.js';
import { pythonRegex } from './pythonRegex.js';
import { isMapping, isText, pyContains, pyEquals, pyModulo, pyStr, pyTruthy } from '../core/pythonValues.js';
import type { TestFunction } from './runtime.js';
import { isUndefined, requireDefined } from '../core/undefinedValue.js';

/** Jinja2 and Ansible tests (`x is defined`, `result is failed`, `v is version('2', '>=')`). */

function taskResult(value: unknown, test: string): Record<string, unknown> {
  const defined = requireDefined(value);
  if (!isMapping(defined)) throw new TemplateError(`The '${test}' test expects a dictionary`);
  return defined;
}

function regexTest(value: unknown, args: unknown[], mode: 'match' | 'search' | 'regex'): boolean {
  const { pattern, ignorecase, multiline, match_type } = bindArguments(mode, args, ['pattern', 'ignorecase', 'multiline', 'match_type']);
  const kind = mode === 'regex' ? String(match_type ?? 'search') : mode;
  const regex = pythonRegex(String(pattern), { ignorecase: Boolean(ignorecase), multiline: Boolean(multiline), sticky: kind === 'match' });
  const text = pyStr(requireDefined(value));
  if (kind === 'fullmatch') return pythonRegex(`(?:${String(pattern)})$`, { ignorecase: Boolean(ignorecase), sticky: true }).test(text);
  return regex.test(text);
}

function versionParts(version: string): Array<number | string> {
  return version.split(/[.\-+_]/).flatMap((part) => part.match(/\d+|[^\d]+/g) ?? []).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** LooseVersion-style comparison: numeric parts numerically, others as text. */
function compareVersions(a: string, b: string): number {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === undefined) return -1;
    if (y[i] === undefined) return 1;
    if (x[i] === y[i]) continue;
    if (typeof x[i] === 'number' && typeof y[i] === 'number') return (x[i] as number) - (y[i] as number);
    return String(x[i]) < String(y[i]) ? -1 : 1;
  }
  return 0;
}

const VERSION_OPERATORS: Record<string, (order: number) => boolean> = {
  '<': (o) => o < 0, lt: (o) => o < 0,
  '<=': (o) => o <= 0, le: (o) => o <= 0,
  '>': (o) => o > 0, gt: (o) => o > 0,
  '>=': (o) => o >= 0, ge: (o) => o >= 0,
  '==': (o) => o === 0, '=': (o) => o === 0, eq: (o) => o === 0,
  '!=': (o) => o !== 0, '<>': (o) => o !== 0, ne: (o) => o !== 0,
};

function anyChanged(result: Record<string, unknown>): boolean {
  if ('changed' in result) return pyTruthy(result.changed);
  const results = result.results;
  return Array.isArray(results) && results.some((r) => isMapping(r) && pyTruthy(r.changed));
}

/** Ansible's file tests: about the controller's files, as in Ansible. */
function statOf(value: unknown, follow: boolean): Stats | undefined {
  try {
    return (follow ? statSync : lstatSync)(pyStr(requireDefined(value)).replace(/^~(?=\/|$)/, homedir()));
  } catch {
    return undefined;
  }
}

function isMountPoint(value: unknown): boolean {
  const path = pyStr(requireDefined(value));
  const here = statOf(path, false);
  const parent = statOf(`${path.replace(/\/+$/, '')}/..`, false);
  return Boolean(here?.isDirectory() && parent && (here.dev !== parent.dev || here.ino === parent.ino));
}

const pathTests: Record<string, TestFunction> = {
  abs: (value) => isAbsolute(pyStr(requireDefined(value))),
  exists: (value) => statOf(value, true) !== undefined,
  file: (value) => statOf(value, true)?.isFile() ?? false,
  directory: (value) => statOf(value, true)?.isDirectory() ?? false,
  link: (value) => statOf(value, false)?.isSymbolicLink() ?? false,
  link_exists: (value) => statOf(value, false) !== undefined,
  mount: (value) => isMountPoint(value),
  same_file: (value, other) => {
    const [a, b] = [statOf(value, true), statOf(other, true)];
    return Boolean(a && b && a.dev === b.dev && a.ino === b.ino);
  },
  all: (value) => (requireDefined(value) as unknown[]).every((item) => pyTruthy(item)),
  any: (value) => (requireDefined(value) as unknown[]).some((item) => pyTruthy(item)),
  nan: (value) => typeof value === 'number' && Number.isNaN(value),
  vault_encrypted: (value) => isText(value) && value.toString().startsWith('$ANSIBLE_VAULT;'),
  escaped: () => false,
  reachable: (value) => !pyTruthy(taskResult(value, 'reachable').unreachable ?? false),
  started: (value) => pyTruthy(taskResult(value, 'started').started ?? false),
  filter: (value) => filters.has(pyStr(value).replace(/^ansible\.builtin\./, '')),
  test: (value) => tests.has(pyStr(value).replace(/^ansible\.builtin\./, '')),
};
for (const name of ['abs', 'file', 'link', 'mount', 'same_file', 'nan']) pathTests[`is_${name}`] = pathTests[name]!;
pathTests.is_dir = pathTests.directory!;
pathTests.isnan = pathTests.nan!;

export const jinjaTests: Record<string, TestFunction> = {
  defined: (value) => !isUndefined(value),
  undefined: (value) => isUndefined(value),
  none: (value) => value === null,
  true: (value) => value === true,
  false: (value) => value === false,
  string: (value) => isText(value),
  number: (value) => typeof value === 'number',
  integer: (value) => typeof value === 'number' && Number.isInteger(value),
  float: (value) => typeof value === 'number' && !Number.isInteger(value),
  boolean: (value) => typeof value === 'boolean',
  mapping: (value) => isMapping(value),
  sequence: (value) => Array.isArray(value) || isText(value) || isMapping(value),
  iterable: (value) => Array.isArray(value) || isText(value) || isMapping(value),
  callable: (value) => typeof value === 'function',
  lower: (value) => isText(value) && value.toString() === value.toString().toLowerCase(),
  upper: (value) => isText(value) && value.toString() === value.toString().toUpperCase(),
  odd: (value) => pyModulo(Number(requireDefined(value)), 2) === 1,
  even: (value) => Number(requireDefined(value)) % 2 === 0,
  divisibleby: (value, by) => Number(requireDefined(value)) % Number(by) === 0,
  eq: (value, other) => pyEquals(value, other),
  equalto: (value, other) => pyEquals(value, other),
  '==': (value, other) => pyEquals(value, other),
  ne: (value, other) => !pyEquals(value, other),
  '!=': (value, other) => !pyEquals(value, other),
  sameas: (value, other) => value === other,
  in: (value, container) => pyContains(container, value),
  contains: (value, item) => pyContains(value, item),
  truthy: (value) => pyTruthy(value),
  falsy: (value) => !pyTruthy(value),
  match: (value, ...args) => regexTest(value, args, 'match'),
  search: (value, ...args) => regexTest(value, args, 'search'),
  regex: (value, ...args) => regexTest(value, args, 'regex'),
  failed: (value) => pyTruthy(taskResult(value, 'failed').failed ?? false),
  succeeded: (value) => !pyTruthy(taskResult(value, 'succeeded').failed ?? false),
  changed: (value) => anyChanged(taskResult(value, 'changed')),
  skipped: (value) => pyTruthy(taskResult(value, 'skipped').skipped ?? false),
  unreachable: (value) => pyTruthy(taskResult(value, 'unreachable').unreachable ?? false),
  finished: (value) => pyTruthy(taskResult(value, 'finished').finished ?? true),
  subset: (value, other) => (requireDefined(value) as unknown[]).every((x) => pyContains(other, x)),
  superset: (value, other) => (requireDefined(other) as unknown[]).every((x) => pyContains(value, x)),
  version(value, ...args) {
    const { version, operator = 'eq' } = bindArguments('version', args, ['version', 'operator', 'strict', 'version_type']);
    const check = VERSION_OPERATORS[String(operator)];
    if (!check) throw new TemplateError(`version test: invalid operator '${pyStr(operator)}'`);
    return check(compareVersions(pyStr(requireDefined(value)), pyStr(version)));
  },
};
Object.assign(jinjaTests, pathTests);
jinjaTests.success = jinjaTests.succeeded!;
jinjaTests.successful = jinjaTests.succeeded!;
jinjaTests.failure = jinjaTests.failed!;
jinjaTests.change = jinjaTests.changed!;
jinjaTests.skip = jinjaTests.skipped!;
jinjaTests.version_compare = jinjaTests.version!;
jinjaTests.greaterthan = (value, other) => Number(value) > Number(other);
jinjaTests.lessthan = (value, other) => Number(value) < Number(other);
jinjaTests.gt = jinjaTests.greaterthan;
jinjaTests.lt = jinjaTests.lessthan;
jinjaTests.ge = (value, other) => Number(value) >= Number(other);
jinjaTests.le = (value, other) => Number(value) <= Number(other);
