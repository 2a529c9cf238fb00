import { TemplateError } from '../core/errors.js';
import { hashPassword, type HashOptions } from '../core/passwordHash.js';
import { pyStr } from '../core/pythonValues.js';
import { requireDefined } from '../core/undefinedValue.js';
import { bindArguments } from './filterArguments.js';

/* The `password_hash` filter: its arguments bound as Jinja passes them, the hashing in src/core/passwordHash.ts. */

function optionalInteger(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) throw new TemplateError(`password_hash: ${name} must be an integer, got ${pyStr(value)}`);
  return number;
}

export function passwordHash(value: unknown, args: unknown[]): string {
  const { hashtype = 'sha512', salt, salt_size, rounds, ident } = bindArguments('password_hash', args, ['hashtype', 'salt', 'salt_size', 'rounds', 'ident']);
  const options: HashOptions = {};
  if (salt !== undefined && salt !== null && salt !== '') options.salt = pyStr(salt);
  const saltSize = optionalInteger('salt_size', salt_size);
  if (saltSize) options.saltSize = saltSize;
  const roundCount = optionalInteger('rounds', rounds);
  if (roundCount) options.rounds = roundCount;
  if (ident !== undefined && ident !== null && ident !== '') options.ident = pyStr(ident);
  try {
    return hashPassword(pyStr(requireDefined(value)), pyStr(hashtype), options);
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    throw new TemplateError(`password_hash: ${(error as Error).message}`);
  }
}
