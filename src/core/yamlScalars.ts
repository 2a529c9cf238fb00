/**
 * Plain-scalar typing as Ansible's YAML loader (PyYAML, YAML 1.1) does it, so `mode: 0755` is the int 493,
 * `yes`/`on` are booleans but `y`/`n` stay strings, `1e3` is a string (PyYAML floats need a dot) and
 * `1_000` is 1000. The `yaml` package's own 1.1 schema differs on several of these, so we type scalars here.
 * Timestamps (`2001-12-14`) stay strings: templated, Ansible's date objects print the same text.
 */

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const TRUE_WORDS = new Set(['yes', 'true', 'on']);
const NULL = /^(?:~|null|Null|NULL|)$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** The value of an untagged plain (unquoted) scalar. */
export function resolvePlainScalar(text: string): unknown {
  if (NULL.test(text)) return null;
  if (BOOL.test(text)) return TRUE_WORDS.has(text.toLowerCase());
  if (INT.test(text)) return constructInt(text);
  if (FLOAT.test(text)) return constructFloat(text);
  return text;
}

/** The value of a scalar with an explicit core tag (`!!int '12'`); undefined when the text does not fit. */
export function resolveTaggedScalar(tag: 'bool' | 'int' | 'float' | 'null', text: string): unknown {
  switch (tag) {
    case 'bool':
      return BOOL.test(text) ? TRUE_WORDS.has(text.toLowerCase()) : undefined;
    case 'int':
      return INT.test(text) ? constructInt(text) : undefined;
    case 'float':
      return FLOAT.test(text) || INT.test(text) ? constructFloat(text) : undefined;
    case 'null':
      return NULL.test(text) ? null : undefined;
  }
}

/** Sign, then base by prefix (0b, 0x, leading 0 = octal), or base 60 with colons, as PyYAML constructs ints. */
function constructInt(text: string): number {
  let digits = text.replace(/_/g, '');
  let sign = 1;
  if (digits[0] === '-' || digits[0] === '+') {
    if (digits[0] === '-') sign = -1;
    digits = digits.slice(1);
  }
  if (digits === '0') return 0;
  if (digits.startsWith('0b')) return sign * parseInt(digits.slice(2), 2);
  if (digits.startsWith('0x')) return sign * parseInt(digits.slice(2), 16);
  if (digits.startsWith('0')) return sign * parseInt(digits, 8);
  if (digits.includes(':')) return sign * sexagesimal(digits);
  return sign * parseInt(digits, 10);
}

function constructFloat(text: string): number {
  let digits = text.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (digits[0] === '-' || digits[0] === '+') {
    if (digits[0] === '-') sign = -1;
    digits = digits.slice(1);
  }
  if (digits === '.inf') return sign * Infinity;
  if (digits === '.nan') return NaN;
  if (digits.includes(':')) return sign * sexagesimal(digits);
  return sign * parseFloat(digits);
}

/** `1:20` is 80 (YAML 1.1 base 60). */
function sexagesimal(digits: string): number {
  return digits.split(':').reduce((total, part) => total * 60 + parseFloat(part), 0);
}
