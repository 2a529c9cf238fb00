/**
 * `omit`: the placeholder a task argument evaluates to when it must be left out (`x | default(omit)`).
 * Like Ansible's, it is a plain string token, so it survives being copied, serialised or templated into text.
 */
export const OMIT = '__omit_place_holder__playtree_6c1d0a9b';

export function isOmit(value: unknown): boolean {
  return value === OMIT;
}

/** Drops omitted entries from module arguments, recursively through dicts and lists, as Ansible does. */
export function removeOmit<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.filter((item) => !isOmit(item)).map((item) => removeOmit(item)) as T;
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (!isOmit(item)) out[key] = removeOmit(item);
    }
    return out as T;
  }
  return value;
}
