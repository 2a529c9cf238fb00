/**
 * `JSON.stringify(value, replacer, 4)`, produced in pieces of about 64 KB instead of built as one string.
 * The --json document holds every result of the run: built whole (and queued whole on a pipe that reads
 * slower than we write), a few results with 1 MiB of one-character `stdout_lines` cost hundreds of MB at
 * the end of the run; written piece by piece, waiting for the pipe to drain, only a piece at a time. The text
 * is the same as JSON.stringify's, byte for byte (toJSON, then the replacer, as it does).
 */
export type JsonReplacer = (key: string, value: unknown) => unknown;

const PIECE = 64 * 1024;

/** The text of `JSON.stringify(value, replacer, 4)`, in pieces of about 64 KB. */
export function* jsonPieces(value: unknown, replacer: JsonReplacer = (_key, v) => v): Generator<string> {
  const pending: string[] = [];
  let pendingLength = 0;
  const top = prepare({ '': value }, '', value, replacer);
  if (top === undefined) return;
  for (const text of valueTexts(top, '', replacer, new Set())) {
    pending.push(text);
    pendingLength += text.length;
    if (pendingLength >= PIECE) {
      yield pending.splice(0).join('');
      pendingLength = 0;
    }
  }
  if (pending.length) yield pending.join('');
}

/** What JSON.stringify serialises for `holder[key]`: toJSON applied, then the replacer. */
function prepare(holder: unknown, key: string, value: unknown, replacer: JsonReplacer): unknown {
  let result = value;
  if (result !== null && (typeof result === 'object' || typeof result === 'bigint') && typeof (result as { toJSON?: unknown }).toJSON === 'function') {
    result = (result as { toJSON(key: string): unknown }).toJSON(key);
  }
  return replacer.call(holder, key, result);
}

function isContainer(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !(value instanceof Number || value instanceof String || value instanceof Boolean);
}

function* valueTexts(value: unknown, indent: string, replacer: JsonReplacer, open: Set<object>): Generator<string> {
  if (!isContainer(value)) return yield JSON.stringify(value) ?? 'null';
  if (open.has(value)) throw new TypeError('Converting circular structure to JSON');
  open.add(value);
  yield* containerTexts(value, indent, replacer, open);
  open.delete(value);
}

function* containerTexts(value: object, indent: string, replacer: JsonReplacer, open: Set<object>): Generator<string> {
  const inner = `${indent}    `;
  if (Array.isArray(value)) {
    if (value.length === 0) return yield '[]';
    yield '[\n';
    for (const [index, item] of value.entries()) {
      const prepared = prepare(value, String(index), item, replacer);
      yield inner;
      // As JSON.stringify: undefined, functions and symbols are null inside an array...
      if (prepared === undefined || typeof prepared === 'function' || typeof prepared === 'symbol') yield 'null';
      else yield* valueTexts(prepared, inner, replacer, open);
      yield index === value.length - 1 ? '\n' : ',\n';
    }
    return yield `${indent}]`;
  }
  const entries: Array<[string, unknown]> = [];
  for (const key of Object.keys(value)) {
    const prepared = prepare(value, key, (value as Record<string, unknown>)[key], replacer);
    // ...and left out of an object.
    if (prepared !== undefined && typeof prepared !== 'function' && typeof prepared !== 'symbol') entries.push([key, prepared]);
  }
  if (entries.length === 0) return yield '{}';
  yield '{\n';
  for (const [index, [key, item]] of entries.entries()) {
    yield `${inner}${JSON.stringify(key)}: `;
    yield* valueTexts(item, inner, replacer, open);
    yield index === entries.length - 1 ? '\n' : ',\n';
  }
  yield `${indent}}`;
}
