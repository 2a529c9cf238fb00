import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeBlock, type BlockPlacement } from '../modules/blockinfile.js';
import { replaceInText } from '../modules/replace.js';
import { compilePythonRegex, substitutePython } from '../src/core/pythonRegex.js';

const block = (extra: Partial<BlockPlacement>): BlockPlacement => ({
  block: 'x=1',
  present: true,
  marker: '# {mark} ANSIBLE MANAGED BLOCK',
  markerBegin: 'BEGIN',
  markerEnd: 'END',
  ...extra,
});
const B = '# BEGIN ANSIBLE MANAGED BLOCK\n';
const E = '# END ANSIBLE MANAGED BLOCK\n';

/** [description, file before, options, file after] */
const placements: [string, string, Partial<BlockPlacement>, string][] = [
  ['appends a new block at EOF', 'a\n', {}, `a\n${B}x=1\n${E}`],
  ['terminates the last line before appending', 'a', {}, `a\n${B}x=1\n${E}`],
  ['inserts at BOF', 'a\n', { insertbefore: 'BOF' }, `${B}x=1\n${E}a\n`],
  ['inserts after the last matching line', 'a\nb\na\nc\n', { insertafter: '^a' }, `a\nb\na\n${B}x=1\n${E}c\n`],
  ['inserts before the last matching line', 'a\nb\nb\n', { insertbefore: '^b' }, `a\nb\n${B}x=1\n${E}b\n`],
  ['appends when insertafter matches nothing', 'a\n', { insertafter: 'zzz' }, `a\n${B}x=1\n${E}`],
  ['searches the whole text with (?m)', 'a\nb\nc\n', { insertafter: '(?m)^b\\nc$' }, `a\nb\nc\n${B}x=1\n${E}`],
  ['replaces an existing block where it stands', `a\n${B}old\n${E}z\n`, { insertbefore: 'BOF' }, `a\n${B}x=1\n${E}z\n`],
  ['removes the block with state absent', `a\n${B}old\n${E}z\n`, { present: false }, 'a\nz\n'],
  ['removes the block when block is empty', `a\n${B}old\n${E}`, { block: '' }, 'a\n'],
  ['uses custom marker words', 'a\n', { marker: '// {mark}', markerBegin: 'start', markerEnd: 'stop' }, 'a\n// start\nx=1\n// stop\n'],
  ['adds a blank line before with prepend_newline', 'a\n', { prependNewline: true }, `a\n\n${B}x=1\n${E}`],
  ['adds a blank line after with append_newline', 'a\n', { insertbefore: 'BOF', appendNewline: true }, `${B}x=1\n${E}\na\n`],
];

for (const [description, before, options, after] of placements) {
  test(`blockinfile ${description}`, () => {
    assert.equal(placeBlock(before, block(options)).text, after);
  });
}

/** [description, text, regexp, replace, after, before, expected text, count] */
const replacements: [string, string, string, string, string | undefined, string | undefined, string, number][] = [
  ['replaces every match', 'a1 a2\na3\n', 'a(\\d)', 'b\\1', undefined, undefined, 'b1 b2\nb3\n', 3],
  ['anchors ^ and $ at each line (MULTILINE)', 'x\ny\n', '^(\\w)$', '[\\1]', undefined, undefined, '[x]\n[y]\n', 2],
  ['expands named groups', 'k=v\n', '(?P<k>\\w)=(?P<v>\\w)', '\\g<v>=\\g<k>', undefined, undefined, 'v=k\n', 1],
  ['only touches text after `after`', 'a\n#x\na\n', 'a', 'b', '#x', undefined, 'a\n#x\nb\n', 1],
  ['only touches text before `before`', 'a\n#x\na\n', 'a', 'b', undefined, '#x', 'b\n#x\na\n', 1],
  ['only touches the section between after and before', 'a [ a ] a\n', 'a', 'b', '\\[', '\\]', 'a [ b ] a\n', 1],
  ['counts no change when nothing matches', 'abc\n', 'z', 'y', undefined, undefined, 'abc\n', 0],
  ['deletes matches with an empty replace', 'a#c\nb#d\n', '#.*$', '', undefined, undefined, 'a\nb\n', 2],
];

for (const [description, text, regexp, template, after, before, expected, count] of replacements) {
  test(`replace ${description}`, () => {
    const result = replaceInText(text, regexp, template, after, before);
    assert.deepEqual({ text: result.text, count: result.count }, { text: expected, count });
  });
}

test('replace reports the section pattern when after matches nothing', () => {
  assert.equal(replaceInText('abc', 'a', 'b', 'zzz').sectionMissing, 'zzz(?P<subsection>.*)');
});

/** [Python pattern, text, matches?] */
const pythonPatterns: [string, string, boolean][] = [
  ['(?i)^hello', 'HELLO world', true],
  ['\\Aab', 'xab', false],
  ['\\Aab', 'abx', true],
  ['c\\Z', 'abc', true],
  ['c\\Z', 'abc\n', false],
  ['(?P<w>a)(?P=w)', 'aa', true],
];

for (const [pattern, text, matches] of pythonPatterns) {
  test(`Python pattern ${pattern} ${matches ? 'matches' : 'does not match'} ${JSON.stringify(text)}`, () => {
    assert.equal(compilePythonRegex(pattern).test(text), matches);
  });
}

test('substitutePython counts empty matches as Python 3.7 re.subn does', () => {
  assert.deepEqual(substitutePython(/b*/, '-', 'abc'), { text: '-a--c-', count: 4 });
});

test('an invalid pattern is an error that names it', () => {
  assert.throws(() => compilePythonRegex('a('), /invalid regular expression "a\("/);
});
