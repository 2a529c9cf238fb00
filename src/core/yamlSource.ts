import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Document, type Node } from 'yaml';
import { formatPosition, ParseError, PlaytreeError, type SourcePosition } from './errors.js';
import { resolvePlainScalar, resolveTaggedScalar } from './yamlScalars.js';
import { isVaultEncrypted } from './vault.js';
import { decryptInlineVault, decryptWithRunSecrets, VaultError } from './vaultKeyring.js';

/**
 * Reads a YAML file into plain JS values (objects, arrays, scalars) the way Ansible's loader would, and
 * remembers where every mapping, sequence, key and value was written, so the playbook parser can report
 * `file:line:col` for anything it rejects. Positions are kept in a WeakMap beside the values: the data
 * stays plain and the index goes away with it.
 */

interface MapPositions {
  self: SourcePosition;
  keys: Map<string, SourcePosition>;
  values: Map<string, SourcePosition>;
}
interface SeqPositions {
  self: SourcePosition;
  items: SourcePosition[];
}

const positions = new WeakMap<object, MapPositions | SeqPositions>();

/** Where a mapping or sequence read by readYamlFile begins. */
export function positionOf(container: unknown): SourcePosition | undefined {
  return isObject(container) ? positions.get(container)?.self : undefined;
}

/** Where a key of a mapping was written. */
export function positionOfKey(map: unknown, key: string): SourcePosition | undefined {
  const entry = isObject(map) ? positions.get(map) : undefined;
  return entry && 'keys' in entry ? entry.keys.get(key) : undefined;
}

/** Where the value under a key (mapping) or at an index (sequence) was written. */
export function positionOfValue(container: unknown, keyOrIndex: string | number): SourcePosition | undefined {
  const entry = isObject(container) ? positions.get(container) : undefined;
  if (!entry) return undefined;
  return 'keys' in entry ? entry.values.get(String(keyOrIndex)) : entry.items[Number(keyOrIndex)];
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

export interface YamlFile {
  file: string;
  value: unknown;
  /** Ansible-style warnings (duplicate keys), one line each. */
  warnings: string[];
}

/** Read and parse one YAML file; `from` is where it was referred to (for "could not find" errors). */
export async function readYamlFile(file: string, from?: SourcePosition): Promise<YamlFile> {
  let text: string;
  try {
    text = decodeUtf8(await readFile(file), file);
  } catch (error) {
    if (error instanceof ParseError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'could not find' : code === 'EISDIR' ? 'is a directory, not a file:' : 'could not read';
    // a folder where a file belongs is exit 1 in ansible-playbook, not a parse error
    if (code === 'EISDIR') throw new PlaytreeError(`${from ? `${formatPosition(from)}: ` : ''}${why} '${file}'`);
    throw new ParseError(`${why} '${file}'`, from);
  }
  return parseYamlText(text, file);
}

/** UTF-8 text, or a parse error naming the line of the first byte that is not UTF-8 (Ansible reads only UTF-8). */
function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const text = bytes.toString('utf8');
    const bad = text.indexOf('\ufffd');
    const before = text.slice(0, Math.max(bad, 0)).split('\n');
    const position = { file, line: before.length, column: before[before.length - 1]!.length + 1 };
    throw new ParseError('the file is not UTF-8 text', position);
  }
}

/** Parse YAML text that came from `file` (exported for tests and for callers holding text already). */
export function parseYamlText(text: string, file: string): YamlFile {
  // A vault-encrypted file is decrypted with the run's vault passwords, as Ansible's loader does.
  if (isVaultEncrypted(text)) text = decryptWithRunSecrets(text, file).toString('utf8');
  const lineCounter = new LineCounter();
  // failsafe: every scalar arrives as text and is typed by resolvePlainScalar, as PyYAML would.
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter, uniqueKeys: false, prettyErrors: false });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const [error] = doc.errors;
  if (error) {
    const reason = error.message.split('\n')[0]!.replace(/\s+/g, ' ').trim();
    throw new ParseError(`YAML syntax error: ${reason}`, at(error.pos[0]));
  }
  const converter = new NodeConverter(doc, at);
  const value = doc.contents ? converter.convert(doc.contents as Node) : null;
  return { file, value, warnings: converter.warnings };
}

/** More values than aliases may stand for in one file ("billion laughs" stands for hundreds of millions). */
const MAX_ALIAS_EXPANSION = 1_000_000;

class NodeConverter {
  readonly warnings: string[] = [];
  /** Anchored nodes already converted: an alias yields the same value, as in PyYAML. */
  private readonly done = new Map<Node, unknown>();
  /** Values reached through aliases so far, and each node's expanded size: an alias bomb is refused. */
  private expanded = 0;
  private readonly sizes = new Map<Node, number>();

  constructor(
    private readonly doc: Document,
    private readonly at: (offset: number) => SourcePosition,
  ) {}

  convert(node: Node): unknown {
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) throw new ParseError(`YAML alias '*${node.source}' refers to no anchor`, this.where(node));
      this.expanded += this.sizeOf(target as Node);
      if (this.expanded > MAX_ALIAS_EXPANSION) {
        throw new ParseError(`YAML aliases expand to more than ${MAX_ALIAS_EXPANSION} values (an alias bomb?)`, this.where(node));
      }
      return this.done.has(target as Node) ? this.done.get(target as Node) : this.convert(target as Node);
    }
    let value: unknown;
    if (isMap(node)) value = this.convertMap(node);
    else if (isSeq(node)) value = this.convertSeq(node);
    else if (isScalar(node)) value = this.convertScalar(node);
    else throw new ParseError('unsupported YAML node', this.where(node));
    this.done.set(node, value);
    return value;
  }

  /** How many values a node stands for once its aliases are expanded (memoized). */
  private sizeOf(node: Node | null | undefined): number {
    if (!node) return 1;
    const known = this.sizes.get(node);
    if (known !== undefined) return known;
    this.sizes.set(node, 1); // a cycle counts once
    let size = 1;
    if (isAlias(node)) size = this.sizeOf(node.resolve(this.doc) as Node | undefined);
    else if (isSeq(node)) for (const item of node.items) size += this.sizeOf(item as Node);
    else if (isMap(node)) for (const pair of node.items) size += isPair(pair) ? this.sizeOf(pair.key as Node) + this.sizeOf(pair.value as Node) : 1;
    this.sizes.set(node, size);
    return size;
  }

  private where(node: { range?: readonly number[] | null } | null | undefined): SourcePosition {
    return this.at(node?.range?.[0] ?? 0);
  }

  private convertMap(node: Node & { items: unknown[] }): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const entry: MapPositions = { self: this.where(node), keys: new Map(), values: new Map() };
    positions.set(result, entry);
    this.done.set(node, result);
    const merged = new Set<string>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      const rawKey = keyNode ? this.convert(keyNode) : null;
      if (isObject(rawKey)) {
        // Almost always `key: {{ var }}` written without quotes, which YAML reads as a nested mapping.
        throw new ParseError('mapping keys must be scalars; a value starting with "{{" must be quoted: key: "{{ var }}"', this.where(keyNode));
      }
      const key = String(rawKey);
      const value = valueNode ? this.convert(valueNode) : null;
      if (key === '<<' && isScalar(keyNode) && keyNode.type === 'PLAIN') {
        this.mergeInto(result, entry, value, merged, keyNode);
        continue;
      }
      if (key in result && !merged.has(key)) {
        const pos = entry.self;
        this.warnings.push(
          `While constructing a mapping from ${pos.file}, line ${pos.line}, column ${pos.column}, found a duplicate dict key (${key}). Using last defined value only.`,
        );
      }
      merged.delete(key);
      result[key] = value;
      entry.keys.set(key, this.where(keyNode));
      entry.values.set(key, valueNode ? this.where(valueNode) : this.where(keyNode));
    }
    return result;
  }

  /** YAML merge keys (`<<: *base`): keys written in the mapping itself win over merged ones. */
  private mergeInto(result: Record<string, unknown>, entry: MapPositions, value: unknown, merged: Set<string>, keyNode: Node): void {
    const sources = Array.isArray(value) ? value : [value];
    for (const source of sources) {
      if (!isObject(source) || Array.isArray(source)) throw new ParseError('YAML merge key (<<) needs a mapping or a list of mappings', this.where(keyNode));
      for (const [key, item] of Object.entries(source)) {
        if (key in result && !merged.has(key)) continue;
        result[key] = item;
        merged.add(key);
        const pos = positionOfKey(source, key);
        if (pos) entry.keys.set(key, pos);
        const valuePos = positionOfValue(source, key);
        if (valuePos) entry.values.set(key, valuePos);
      }
    }
  }

  private convertSeq(node: Node & { items: unknown[] }): unknown[] {
    const result: unknown[] = [];
    const entry: SeqPositions = { self: this.where(node), items: [] };
    positions.set(result, entry);
    this.done.set(node, result);
    for (const item of node.items) {
      result.push(item === null ? null : this.convert(item as Node));
      entry.items.push(this.where(item as Node | null));
    }
    return result;
  }

  private convertScalar(node: Scalar): unknown {
    const text = String(node.value ?? '');
    const tag = node.tag;
    if (!tag) return node.type === 'PLAIN' ? resolvePlainScalar(text) : text;
    switch (tag) {
      case '!unsafe':
        return markUnsafe(text);
      case '!vault':
        return inlineVault(text, this.where(node));
      case 'tag:yaml.org,2002:str':
        return text;
      case 'tag:yaml.org,2002:bool':
      case 'tag:yaml.org,2002:int':
      case 'tag:yaml.org,2002:float':
      case 'tag:yaml.org,2002:null': {
        const kind = tag.slice('tag:yaml.org,2002:'.length) as 'bool' | 'int' | 'float' | 'null';
        const value = resolveTaggedScalar(kind, text);
        if (value === undefined) throw new ParseError(`'${text}' is not a valid !!${kind}`, this.where(node));
        return value;
      }
      default:
        throw new ParseError(`could not determine a constructor for the tag '${tag}'`, this.where(node));
    }
  }
}

/**
 * An inline `!vault` value: its plaintext, never templated (as Ansible's vaulted strings). One that cannot be
 * decrypted fails only where it is used, as in Ansible: it becomes an undefined value whose message says why.
 */
function inlineVault(text: string, position: SourcePosition): string {
  try {
    return markUnsafe(decryptInlineVault(text, position));
  } catch (error) {
    if (!(error instanceof VaultError)) throw error;
    const literal = error.message.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    return `{{ undef(hint='${literal}') }}`;
  }
}

/**
 * `!unsafe` text must never be rendered. Values stay plain strings, so text that looks like Jinja2 is
 * wrapped in a raw block: rendering it gives back exactly the text written.
 */
function markUnsafe(text: string): string {
  if (!/\{[{%#]/.test(text)) return text;
  return `{% raw %}${text}{% endraw %}`;
}
