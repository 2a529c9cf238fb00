import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { lookupPlugin } from '../lookups/index.js';
import { contextFromVariables } from '../src/template/lookupContext.js';

/** Runs a lookup as a template would, with `vars` as the variables (playbook_dir defaults to `root`). */
function run(name: string, terms: unknown[], options: Record<string, unknown> = {}, vars: Record<string, unknown> = {}): unknown[] {
  return lookupPlugin(name).run(terms, options, contextFromVariables((variable) => vars[variable]));
}

async function withFiles(files: Record<string, string>, body: (root: string) => Promise<void> | void): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'playtree-lookups-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, name)), { recursive: true });
      await writeFile(join(root, name), text);
    }
    await body(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const LIST_CASES: Array<[string, unknown[], unknown[]]> = [
  ['items', [1, [2, [3]], 'ab'], [1, 2, [3], 'ab']],
  ['list', [[1, 2], 3], [[1, 2], 3]],
  ['dict', [{ a: 1, b: 2 }], [{ key: 'a', value: 1 }, { key: 'b', value: 2 }]],
  ['indexed_items', ['a', ['b', 'c']], [[0, 'a'], [1, 'b'], [2, 'c']]],
  ['together', [[1, 2, 3], ['a', 'b']], [[1, 'a'], [2, 'b'], [3, null]]],
  ['nested', [['a', 'b'], [1, 2]], [['a', 1], ['a', 2], ['b', 1], ['b', 2]]],
];
for (const [name, terms, expected] of LIST_CASES) {
  test(`the ${name} lookup gives ${JSON.stringify(expected)} for ${JSON.stringify(terms)}`, () => {
    assert.deepEqual(run(name, terms), expected);
  });
}

const SEQUENCE_CASES: Array<[unknown[], Record<string, unknown>, string[]]> = [
  [['start=0 end=3'], {}, ['0', '1', '2', '3']],
  [['start=1 end=10 stride=3 format=n%02d'], {}, ['n01', 'n04', 'n07', 'n10']],
  [['count=3'], {}, ['1', '2', '3']],
  [['start=0x0f00 count=2 format=%04x'], {}, ['0f00', '0f01']],
  [['2-10/4'], {}, ['2', '6', '10']],
  [['4:host%02d'], {}, ['host01', 'host02', 'host03', 'host04']],
  [['start=5 end=1 stride=-2'], {}, ['5', '3', '1']],
  [['count=0'], {}, []],
  [[], { start: 0, end: 2 }, ['0', '1', '2']],
];
for (const [terms, options, expected] of SEQUENCE_CASES) {
  test(`sequence ${JSON.stringify(terms)} ${JSON.stringify(options)} counts ${expected.join(',') || 'nothing'}`, () => {
    assert.deepEqual(run('sequence', terms, options), expected);
  });
}

const SEQUENCE_ERRORS: Array<[string, RegExp]> = [
  ['start=0 junk=3', /unrecognized arguments to with_sequence: \['junk'\]/],
  ['start=1', /must specify count or end/],
  ['end=3 count=2', /can't specify both count and end/],
  ['start=5 end=1', /to count backwards make stride negative/],
  ['start=x end=3', /can't parse start=x as integer/],
  ['end=3 format=%d%d', /bad formatting string/],
];
for (const [term, message] of SEQUENCE_ERRORS) {
  test(`sequence refuses '${term}' with Ansible's message`, () => {
    assert.throws(() => run('sequence', [term]), message);
  });
}

test('subelements pairs each element (without the key) with each subitem; skip_missing leaves out elements without it', () => {
  const users = [{ name: 'a', keys: ['k1', 'k2'] }, { name: 'b' }, { name: 'c', keys: ['k3'], skipped: true }];
  assert.deepEqual(run('subelements', [users, 'keys', { skip_missing: true }]), [
    [{ name: 'a' }, 'k1'],
    [{ name: 'a' }, 'k2'],
  ]);
  assert.throws(() => run('subelements', [users, 'keys']), /could not find 'keys' key in iterated item/);
  assert.throws(() => run('subelements', [users, 'keys', { bogus: 1 }]), {
    message: 'subelements lookup expects a list of two or three items, the optional third item must be a dict with flags skip_missing',
  });
  assert.deepEqual(run('subelements', [[{ n: 1, a: { b: [5] } }], 'a.b']), [[{ n: 1, a: {} }, 5]]);
});

test('file finds a name under files/ of the search path, strips trailing whitespace unless rstrip=false, lstrip on demand', async () => {
  await withFiles({ 'role/files/motd': '  hi\n\n', 'play/other.txt': 'other\n' }, (root) => {
    const vars = { playbook_dir: join(root, 'play'), ansible_search_path: [join(root, 'role'), join(root, 'play')] };
    assert.deepEqual(run('file', ['motd', 'other.txt'], {}, vars), ['  hi', 'other']);
    assert.deepEqual(run('file', ['motd'], { rstrip: false }, vars), ['  hi\n\n']);
    assert.deepEqual(run('file', ['motd'], { lstrip: true }, vars), ['hi']);
    assert.throws(() => run('file', ['nope'], {}, vars), /could not locate file in lookup: nope/);
  });
});

test('first_found takes the first existing file of names, lists and {files, paths}; skip gives nothing', async () => {
  await withFiles({ 'files/b.yml': '', 'vars/os/debian.yml': '', 'abs.txt': '' }, (root) => {
    const vars = { playbook_dir: root };
    assert.deepEqual(run('first_found', ['a.yml', ['b.yml']], {}, vars), [join(root, 'files/b.yml')]);
    assert.deepEqual(run('first_found', [{ files: 'x.yml,debian.yml', paths: join(root, 'vars/os') }], {}, vars), [join(root, 'vars/os/debian.yml')]);
    assert.deepEqual(run('first_found', [join(root, 'abs.txt')], {}, vars), [join(root, 'abs.txt')]);
    assert.deepEqual(run('first_found', [{ files: ['none.yml'], skip: true }], {}, vars), []);
    assert.throws(() => run('first_found', ['none.yml'], {}, vars), /No file was found when using first_found/);
  });
});

test('fileglob gives the matching files (not folders, not dot files) of the first folder with a match', async () => {
  await withFiles({ 'files/a.conf': '', 'files/b.conf': '', 'files/.h.conf': '', 'files/d.conf/x': '', 'c.conf': '' }, (root) => {
    const vars = { playbook_dir: root };
    assert.deepEqual(run('fileglob', ['*.conf'], {}, vars), [join(root, 'files/a.conf'), join(root, 'files/b.conf')]);
    assert.deepEqual(run('fileglob', ['files/b*'], {}, vars), [join(root, 'files/b.conf')]);
    assert.deepEqual(run('fileglob', ['*.none'], {}, vars), []);
  });
});

test('pipe runs the command with sh in the playbook folder and strips the output; lines splits it; a failure names the command', async () => {
  await withFiles({ 'x': '' }, (root) => {
    const vars = { playbook_dir: root };
    assert.deepEqual(run('pipe', ['pwd; echo "a  b"'], {}, vars), [`${root}\na  b`]);
    assert.deepEqual(run('lines', ['printf "one\\ntwo\\n"'], {}, vars), ['one', 'two']);
    assert.throws(() => run('pipe', ['exit 3'], {}, vars), /lookup_plugin\.pipe\(exit 3\) returned 3/);
  });
});

test('template renders a file from templates/ with the variables, template_vars and other variable delimiters', async () => {
  await withFiles({ 'templates/t.j2': 'x={{ x }} y={{ y }} path={{ template_path }}\n', 'templates/other.j2': '[[ x ]] {{ kept }}' }, (root) => {
    const vars = { playbook_dir: root, x: '{{ 40 + 2 }}' };
    assert.deepEqual(run('template', ['t.j2'], { template_vars: { y: 'why' } }, vars), ['x=42 y=why path=t.j2\n']);
    assert.deepEqual(run('template', ['other.j2'], { variable_start_string: '[[', variable_end_string: ']]' }, vars), ['42 {{ kept }}']);
  });
});

test('template gives a dict for text that reads as one (convert_data, the default), text with convert_data=false', async () => {
  await withFiles({ 'templates/dict.j2': '{"foo": "{{ \'bar\' }}"}\n' }, (root) => {
    assert.deepEqual(run('template', ['dict.j2'], {}, { playbook_dir: root }), [{ foo: 'bar' }]);
    assert.deepEqual(run('template', ['dict.j2'], { convert_data: false }, { playbook_dir: root }), ['{"foo": "bar"}\n']);
  });
});

test('env gives the variable or the default; vars gives variables by name or the default; varnames searches names', () => {
  process.env['PLAYTREE_LOOKUP_TEST'] = 'set';
  assert.deepEqual(run('env', ['PLAYTREE_LOOKUP_TEST', 'PLAYTREE_LOOKUP_UNSET']), ['set', '']);
  assert.deepEqual(run('env', ['PLAYTREE_LOOKUP_UNSET'], { default: 'none' }), ['none']);
  const vars = { pkg_a: '{{ 1 + 1 }}', pkg_b: 'b', other: 1, __playtree_variable_names: ['pkg_a', 'pkg_b', 'other'] };
  assert.deepEqual(run('vars', ['pkg_a', 'pkg_b'], {}, vars), [2, 'b']);
  assert.deepEqual(run('vars', ['missing'], { default: 0 }, vars), [0]);
  assert.throws(() => run('vars', ['missing'], {}, vars), /No variable found with this name: missing/);
  assert.deepEqual(run('varnames', ['^pkg_'], {}, vars), ['pkg_a', 'pkg_b']);
  assert.throws(() => run('varnames', ['*'], {}, vars), /Unable to use "\*" as a search parameter: nothing to repeat/);
  assert.throws(() => run('varnames', [true], {}, vars), { message: `Invalid setting identifier, "True" is not a string, it is a <class 'bool'>` });
});

test('random_choice picks one of the terms', () => {
  const [choice] = run('random_choice', ['a', 'b', 'c']);
  assert.ok(['a', 'b', 'c'].includes(choice as string));
  assert.deepEqual(run('random_choice', []), []);
});

test('password with encrypt returns the hash made with the salt kept in the file, and adds a salt where none is', async () => {
  await withFiles({ 'creds/kept': 'hunter2 salt=saltsalt\n', 'creds/plain': 'hunter2\n' }, async (root) => {
    const vars = { playbook_dir: root };
    assert.deepEqual(run('password', ['creds/kept encrypt=md5_crypt'], {}, vars), ['$1$saltsalt$ZliGyAN3DciDHEkDboonh/']);
    assert.equal(await readFile(join(root, 'creds/kept'), 'utf8'), 'hunter2 salt=saltsalt\n');
    assert.deepEqual(run('password', ['creds/kept'], {}, vars), ['hunter2']);
    const [hashed] = run('password', ['creds/plain'], { encrypt: 'sha512_crypt' }, vars) as string[];
    const [, salt] = /^hunter2 salt=([./0-9A-Za-z]{16})\n$/.exec(await readFile(join(root, 'creds/plain'), 'utf8'))!;
    assert.match(hashed!, new RegExp(`^\\$6\\$rounds=656000\\$${salt!.replace(/[./]/g, '\\$&')}\\$.{86}$`));
    assert.deepEqual(run('password', ['creds/plain encrypt=sha512_crypt'], {}, vars), [hashed]);
    await writeFile(join(root, 'creds/plain'), 'hunter2 salt=abcdefghijklmnop\n');
    assert.deepEqual(run('password', ['creds/plain encrypt=sha512_crypt'], {}, vars), [
      '$6$rounds=656000$abcdefghijklmnop$WLHrVizfrTpxvpp.WA/ETNFGcQ5BwnKK6d54XPY9LugmCBggBopFbaMzT7HKyS/zJ.AdNH4iBXiTVk.KauOuA.',
    ]);
  });
});

test('password makes a password of the asked length and chars, keeps it in a 0600 file and reads it back', async () => {
  await withFiles({}, async (root) => {
    const vars = { playbook_dir: root };
    const [first] = run('password', ['creds/db length=12 chars=digits'], {}, vars) as string[];
    assert.match(first!, /^[0-9]{12}$/);
    assert.equal(await readFile(join(root, 'creds/db'), 'utf8'), `${first}\n`);
    assert.equal((await stat(join(root, 'creds/db'))).mode & 0o777, 0o600);
    assert.deepEqual(run('password', ['creds/db length=30'], {}, vars), [first]);
    const [punct] = run('password', ['/dev/null length=40 chars=punctuation,,'], {}, vars) as string[];
    assert.match(punct!, /^[!#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~]{40}$/);
    // Python's random.Random(seed).choice() picks, as ansible-core's password lookup makes them.
    assert.deepEqual(run('password', ['/dev/null seed=fixed'], {}, vars), ['nw6AuiBDIPxvJhDAxlJc']);
    assert.deepEqual(run('password', ['/dev/null'], { seed: 42 }, vars), ['odJFCrnl2edlBD:dz1C5']);
    assert.deepEqual(run('password', ['/dev/null chars=ab'], { seed: 'foo' }, vars), ['bbbaaabbbaabbaababaa']);
    assert.deepEqual(run('password', ['/dev/null seed=é'], {}, vars), ['1mwNoTlp77gDhHJ.Q,An']);
    assert.throws(() => run('password', ['/dev/null encrypt=sha1_crypt'], {}, vars), /encrypt=sha1_crypt is not supported/);
    assert.throws(() => run('password', ['/dev/null bogus=1'], {}, vars), /Unrecognized parameter\(s\) given to password lookup: bogus/);
  });
});

test('ini reads a key of a section, inline or as options, regexes, properties files and defaults', async () => {
  const ini = '[global]\nuser = bob\n[db]\nHost: h1\nport=5432\nport_ro=5433\n';
  await withFiles({ 'files/ansible.ini': ini, 'files/app.properties': 'a.b=1\nc=two\n', 'files/dup.ini': '[s]\nname=a\nname=b\n', 'files/bare.ini': '[s]\nflag\nname=a\nother' }, (root) => {
    const vars = { playbook_dir: root };
    assert.deepEqual(run('ini', ['user'], {}, vars), ['bob']);
    assert.deepEqual(run('ini', ['host section=db'], {}, vars), ['h1']);
    assert.deepEqual(run('ini', ['port.*'], { section: 'db', re: true }, vars), ['5432', '5433']);
    assert.deepEqual(run('ini', ['missing'], { default: 'dflt' }, vars), ['dflt']);
    assert.deepEqual(run('ini', ['a.b'], { type: 'properties', file: 'app.properties' }, vars), ['1']);
    assert.throws(() => run('ini', ['user'], { section: 'nope' }, vars), /No section 'nope' in ansible.ini/);
    // Python's configparser words, as ansible-core shows them.
    assert.throws(() => run('ini', ['name'], { section: 's', file: 'dup.ini' }, vars), {
      message: "Duplicate option in 'dup.ini': While reading from '<???>' [line  3]: option 'name' in section 's' already exists",
    });
    assert.throws(() => run('ini', ['name'], { section: 's', file: 'bare.ini' }, vars), {
      message: "Source contains parsing errors: '<???>'\n\t[line  2]: 'flag\\n'\n\t[line  4]: 'other'",
      pythonClass: 'configparser.ParsingError',
    });
    assert.deepEqual(run('ini', ['name'], { section: 's', file: 'bare.ini', allow_no_value: true }, vars), ['a']);
    assert.throws(() => run('ini', ['user'], { bogus: 1 }, vars), /bogus is not a valid option/);
  });
});

test('csvfile gives the column of the row whose first field is the key, with delimiter and default', async () => {
  await withFiles({ 'files/people.csv': 'name,age\nbob,"4,2"\n', 'files/ansible.csv': 'x\t1\t2\n' }, (root) => {
    const vars = { playbook_dir: root };
    assert.deepEqual(run('csvfile', ['bob file=people.csv delimiter=,'], {}, vars), ['4,2']);
    assert.deepEqual(run('csvfile', ['x col=2'], {}, vars), ['2']);
    assert.deepEqual(run('csvfile', ['nobody'], { default: 'none' }, vars), ['none']);
    assert.throws(() => run('csvfile', ['col=2'], {}, vars), /Search key is required/);
  });
});

test('config gives the settings playtree knows, on_missing decides about the others', () => {
  assert.ok((run('config', ['ANSIBLE_COW_ACCEPTLIST'])[0] as string[]).includes('meow'));
  assert.deepEqual(run('config', ['DEFAULT_FORKS']), [5]);
  assert.deepEqual(run('config', ['NOT_A_SETTING'], { on_missing: 'skip' }), []);
  assert.throws(() => run('config', ['NOT_A_SETTING']), /Unable to find setting NOT_A_SETTING/);
  assert.throws(() => run('config', ['X'], { on_missing: 'boo' }), /valid values are/);
  assert.deepEqual(run('config', ['remote_user', 'port'], { plugin_type: 'connection', plugin_name: 'ssh' }, { ansible_ssh_user: 'lola', ansible_port: '2022' }), ['lola', 2022]);
});

test('unvault reads a plain file as it is and refuses a vault-encrypted one when no vault password is given', async () => {
  await withFiles({ 'files/plain': 'text\n', 'files/secret': '$ANSIBLE_VAULT;1.1;AES256\n00\n' }, (root) => {
    const vars = { playbook_dir: root };
    assert.deepEqual(run('unvault', ['plain'], {}, vars), ['text\n']);
    assert.throws(() => run('unvault', ['secret'], {}, vars), /vault-encrypted/);
  });
});

test('inventory_hostnames matches host patterns against the groups', () => {
  const groups = { all: ['a1', 'a2', 'b1'], ungrouped: [], web: ['a1', 'a2'], db: ['a2', 'b1'] };
  assert.deepEqual(run('inventory_hostnames', ['web'], {}, { groups }), ['a1', 'a2']);
  assert.deepEqual(run('inventory_hostnames', ['all:!web'], {}, { groups }), ['b1']);
  assert.deepEqual(run('inventory_hostnames', ['web:&db'], {}, { groups }), ['a2']);
  assert.deepEqual(run('inventory_hostnames', ['?1'], {}, { groups }), ['a1', 'b1']);
  assert.deepEqual(run('inventory_hostnames', ['nogroup'], {}, { groups }), []);
});
