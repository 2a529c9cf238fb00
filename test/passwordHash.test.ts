import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTemplar } from '../src/template/index.js';

// Every expected hash is what glibc/libxcrypt crypt(3) (Python's crypt.crypt) gives for the same password,
// salt and rounds; passlib, which Ansible uses, gives the same strings.
const table: Array<[string, string]> = [
  ["{{ 'secret' | password_hash('md5', 'saltsalt') }}", '$1$saltsalt$9xy1btjgzLYfb7hivXtC//'],
  ["{{ '' | password_hash('md5_crypt', 'ab') }}", '$1$ab$rn6aQS/o7141mj179E/zA.'],
  ["{{ ('a' * 30) | password_hash('md5', '12345678') }}", '$1$12345678$vVU8TeUQbWCo85ZJFdYTE0'],
  ["{{ 'secret' | password_hash('blowfish', 'abcdefghijklmnopqrstuu', rounds=5) }}", '$2b$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a'],
  ["{{ 'secret' | password_hash('bcrypt', 'abcdefghijklmnopqrstuu', rounds=4, ident='2y') }}", '$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW'],
  // the password is cut at 72 bytes; 71 bytes keep their closing zero byte
  ["{{ ('x' * 80) | password_hash('blowfish', 'abcdefghijklmnopqrstuu', rounds=4) }}", '$2b$04$abcdefghijklmnopqrstuubzadhGtS2zEF.gu0yd0opP6cVzb.e0i'],
  ["{{ ('x' * 71) | password_hash('blowfish', 'abcdefghijklmnopqrstuu', rounds=4) }}", '$2b$04$abcdefghijklmnopqrstuu.gc7UY/21CSNJGJg21jJzx9QiOpJ9bO'],
  ["{{ '' | password_hash('blowfish', 'abcdefghijklmnopqrstuu', rounds=4) }}", '$2b$04$abcdefghijklmnopqrstuubyCG3zY1GIXMyxfivm.ClDiInHzxjiq'],
  // the unused low bits of the salt's last character are cleared
  ["{{ 'secret' | password_hash('blowfish', 'abcdefghijklmnopqrstuv', rounds=4) }}", '$2b$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW'],
  ["{{ 'secret' | password_hash('sha512', 'mysalt', rounds=5000) }}", '$6$mysalt$UX6P1VKOf6dr0s2pg4pLNvIUB6hLXvP6M5f/Yj9hJgMPdAJ4oArvk5YUD9/XWtk1JOpVwt/JTsczMJr8sFVML1'],
];

for (const [source, expected] of table) {
  test(`password_hash gives crypt(3)'s string: ${source}`, () => {
    assert.equal(createTemplar({}).render(source), expected);
  });
}

test('password_hash makes a random salt of the scheme size when none is given', () => {
  const hashed = String(createTemplar({}).render("{{ 'x' | password_hash('md5') }}"));
  assert.match(hashed, /^\$1\$[./0-9A-Za-z]{8}\$[./0-9A-Za-z]{22}$/);
});

const refused: Array<[string, RegExp]> = [
  ["{{ 'x' | password_hash('md5', 'ninechars') }}", /salt too large/],
  ["{{ 'x' | password_hash('blowfish', 'short') }}", /22 characters/],
  ["{{ 'x' | password_hash('blowfish', 'abcdefghijklmnopqrstuu', ident='2x') }}", /ident 2x is not supported/],
  ["{{ 'x' | password_hash('sha512', 'a$b') }}", /invalid characters in salt/],
];

for (const [source, error] of refused) {
  test(`password_hash refuses bad options: ${source}`, () => {
    assert.throws(() => createTemplar({}).render(source), error);
  });
}
