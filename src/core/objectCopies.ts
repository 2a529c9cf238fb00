/*
 * Copies of plain objects made for every task (results, variables), written so that V8 can share their
 * hidden classes.
 *
 * Node 20's V8 gives an object literal that adds a property after a spread (`{ ...result, failed: false }`,
 * or a second spread of a non-empty object) a hidden class of its own, every time it runs. Hidden classes are
 * allocated among long-lived objects, and through them the task's objects are copied into the old
 * generation, where only a full collection frees them: some kilobytes more peak memory per task run.
 * Starting the literal from an empty object keeps V8 on its shared transitions.
 */

/** `{ ...base, ...extra, ...more }`: own enumerable properties, in that order, the later winning; no setter is called. */
export function withProperties<T extends object, U extends object, V extends object = object>(base: T, extra: U, more?: V): T & U & V {
  return { ...{}, ...base, ...extra, ...more } as T & U & V;
}
