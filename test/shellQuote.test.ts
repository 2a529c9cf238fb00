import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quote } from 'shell-quote';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';

const WORDS = [
  '', 'plain', '/etc/bench/0/copy.conf', '0644', '-rf', '--', 'a+b%c', 'a b', "it's", 'say "hi"', '$HOME', 'a\\b', 'x=1',
  'a,b', 'a:b', '~user', '#comment', '!bang', "'!'", 'new\nline', 'tab\there', '*.conf', '[ab]', '{a,b}', 'semi;colon', 'é', '`id`',
];

test('shellJoin and shellQuote quote every word exactly as shell-quote does, plain words left bare', () => {
  for (const word of WORDS) assert.equal(shellQuote(word), quote([word]), JSON.stringify(word));
  assert.equal(shellJoin(WORDS), quote(WORDS));
  assert.equal(shellJoin([]), '');
  assert.equal(shellJoin(['/bin/sh', '-c', 'true']), '/bin/sh -c true');
});
