import { ModuleError } from '../src/core/errors.js';

/**
 * Text written in the encodings the template module's `output_encoding` names: UTF-8 (also ''), Latin-1
 * and Windows-1252. A character the encoding cannot hold is an error naming it, as Python's strict codec.
 */

// Windows-1252 differs from Latin-1 in 0x80-0x9F: these characters take those bytes.
const CP1252_HIGH: Record<string, number> = {
  '€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89, 'Š': 0x8a, '‹': 0x8b, 'Œ': 0x8c, 'Ž': 0x8e,
  '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9a, '›': 0x9b, 'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f,
};

function singleByte(text: string, encoding: string, high: Record<string, number>): Buffer {
  const bytes: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const mapped = high[ch] ?? (code < 0x80 || (code >= 0xa0 && code <= 0xff) || (encoding === 'latin-1' && code <= 0xff) ? code : undefined);
    if (mapped === undefined) throw new ModuleError(`'${encoding}' codec can't encode character '${ch}' (U+${code.toString(16).toUpperCase().padStart(4, '0')})`);
    bytes.push(mapped);
  }
  return Buffer.from(bytes);
}

export function encodeText(text: string, encoding: string): Buffer {
  const name = encoding.toLowerCase().replace(/_/g, '-');
  if (name === '' || name === 'utf-8' || name === 'utf8') return Buffer.from(text, 'utf8');
  if (['latin-1', 'latin1', 'iso-8859-1', 'iso8859-1'].includes(name)) return singleByte(text, 'latin-1', {});
  if (['windows-1252', 'cp1252'].includes(name)) return singleByte(text, 'windows-1252', CP1252_HIGH);
  throw new ModuleError(`output_encoding '${encoding}' is not supported by playtree (utf-8, latin-1, windows-1252)`);
}
