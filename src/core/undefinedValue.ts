import { TemplateError } from './errors.js';

/**
 * Ansible's StrictUndefined: what a missing variable or attribute evaluates to. It may be tested
 * (`is defined`), defaulted (`| default`) and chained (`foo.bar.baz` stays undefined, as AnsibleUndefined
 * allows), but printing, comparing, iterating or testing its truth throws the message Ansible prints.
 */
/** What using an undefined value throws (Ansible's AnsibleUndefinedVariable). */
export class UndefinedVariableError extends TemplateError {}

export class UndefinedValue {
  constructor(
    readonly message: string,
    /** The variable's name when a whole variable is missing (not an attribute). */
    readonly name?: string,
  ) {}

  fail(): never {
    throw new UndefinedVariableError(this.message);
  }

  // Arithmetic, `<`, string conversion and `==` against primitives all go through here in JS.
  [Symbol.toPrimitive](): never {
    return this.fail();
  }

  toJSON(): never {
    return this.fail();
  }
}

export function isUndefined(value: unknown): value is UndefinedValue {
  return value instanceof UndefinedValue;
}

export function undefinedVariable(name: string): UndefinedValue {
  return new UndefinedValue(`'${name}' is undefined`, name);
}

/** Throws when `value` is undefined; returns it otherwise (for filters that need a real value). */
export function requireDefined<T>(value: T): Exclude<T, UndefinedValue> {
  if (value instanceof UndefinedValue) value.fail();
  return value as Exclude<T, UndefinedValue>;
}
