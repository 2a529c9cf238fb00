import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { parseKeyValue } from '../core/kvSplit.js';
import { OptionsError, ParseError, PlaytreeError } from '../core/errors.js';
import { isVaultEncrypted } from '../core/vault.js';
import { parseYamlText } from '../core/yamlSource.js';

/**
 * `-e` values as ansible-playbook reads them: `@file` (YAML or JSON), a YAML/JSON mapping, or `k=v`
 * pairs (values stay strings). Later `-e` win.
 */
export function parseExtraVars(values: readonly string[]): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const value of values) Object.assign(vars, parseOne(value));
  return vars;
}

function parseOne(value: string): Record<string, unknown> {
  if (value.startsWith('@')) {
    const file = value.slice(1);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new PlaytreeError(`the extra vars file '${file}' could not be read; check the path after '@'`);
    }
    // Read as a vars file is (Ansible loads it the same way): vault-encrypted or with `!vault` values.
    if (isVaultEncrypted(text) || /!vault\b/.test(text)) return varsFileMapping(text, file);
    return mapping(text, `extra vars file ${file}`);
  }
  const trimmed = value.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('---')) return mapping(trimmed, `-e '${value}'`);
  const { pairs, rest } = parseKeyValue(value);
  if (rest) throw new OptionsError(`-e '${value}' is neither key=value pairs nor a YAML/JSON mapping`);
  return pairs;
}

function varsFileMapping(text: string, file: string): Record<string, unknown> {
  const data = parseYamlText(text, file).value;
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new OptionsError(`extra vars file ${file} must be a mapping of names to values`);
  return data as Record<string, unknown>;
}

function mapping(text: string, what: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = YAML.parse(text, { version: '1.1' });
  } catch (error) {
    // text that does not parse is a parse error (exit 4), as ansible-playbook's; parsed data of the wrong shape is exit 5
    throw new ParseError(`${what}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new OptionsError(`${what} must be a mapping of names to values`);
  return data as Record<string, unknown>;
}
