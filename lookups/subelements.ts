import { toBoolean } from '../src/core/boolean.js';
import { pyStr } from '../src/core/pythonValues.js';
import { isMappingValue, LookupError, type LookupPlugin } from './lookup.js';
import { listify } from './listTerms.js';

/**
 * `subelements`: terms `[list_of_dicts, 'key.path', {skip_missing: bool}]` give `[element, subitem]` for
 * every item of each element's list at key.path; the element is given without that key, as Ansible's.
 * Elements marked `skipped` (a registered loop's skipped items) are left out.
 */
export const subelementsLookup: LookupPlugin = {
  name: 'subelements',
  run: (terms) => {
    const termsError = (detail = '') => new LookupError(`subelements lookup expects a list of two or three items, ${detail}`);
    if (terms.length < 2 || terms.length > 3) throw termsError();
    const [source, keyPath, flags = {}] = [isMappingValue(terms[0]) ? terms[0] : listify(terms[0]), terms[1], terms[2]];
    if (typeof keyPath !== 'string' || (!Array.isArray(source) && !isMappingValue(source))) {
      throw termsError('first a dict or a list, second a string pointing to the subkey');
    }
    if (!isMappingValue(flags) || Object.keys(flags).some((key) => key !== 'skip_missing')) {
      throw termsError("the optional third item must be a dict with flags skip_missing");
    }
    if (isMappingValue(source) && source['skipped'] !== undefined && source['skipped'] !== false) return [];
    const elements = Array.isArray(source) ? source : Object.values(source);
    const skipMissing = toBoolean(flags['skip_missing']) ?? false;
    return elements.flatMap((element) => subitems(element, keyPath.split('.'), skipMissing));
  },
};

function subitems(element: unknown, keys: string[], skipMissing: boolean): unknown[][] {
  if (!isMappingValue(element)) throw new LookupError(`subelements lookup expects a dictionary, got '${pyStr(element)}'`);
  if (element['skipped'] !== undefined && element['skipped'] !== false) return [];
  const copy = structuredClone(element);
  let holder: Record<string, unknown> = copy;
  for (const [index, key] of keys.entries()) {
    if (!(key in holder)) {
      if (skipMissing) return [];
      throw new LookupError(`could not find '${key}' key in iterated item '${pyStr(holder)}'`);
    }
    const value = holder[key];
    if (index < keys.length - 1) {
      if (!isMappingValue(value)) {
        if (skipMissing) return [];
        throw new LookupError(`the key ${key} should point to a dictionary, got '${pyStr(value)}'`);
      }
      holder = value;
    } else {
      if (!Array.isArray(value)) throw new LookupError(`the key ${key} should point to a list, got '${pyStr(value)}'`);
      delete holder[key];
      return value.map((item) => [copy, item]);
    }
  }
  return [];
}
