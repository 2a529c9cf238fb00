import { isMappingValue } from './lookup.js';

/**
 * Python iteration of a value, as Ansible's list lookups iterate what they are given: a list's items, a
 * string's characters, a dict's keys; anything else is one item.
 */
export function pyItems(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return Array.from(value);
  if (isMappingValue(value)) return Object.keys(value);
  return [value];
}

/** Ansible's LookupBase._flatten: lists inside the terms are spliced in, one level. */
export function flattenOnce(terms: unknown): unknown[] {
  return pyItems(terms).flatMap((term) => (Array.isArray(term) ? term : [term]));
}

/** listify_lookup_plugin_terms on a value already templated: a string is one term, a list is its terms. */
export function listify(value: unknown): unknown[] {
  if (typeof value === 'string' || value === null || value === undefined || typeof value !== 'object') return [value];
  return pyItems(value);
}
