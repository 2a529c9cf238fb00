import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTemplar } from '../src/template/index.js';

// Jinja2's and ansible-core 2.14's filters (filter_core, filter_mathstuff): every expected text below is
// what Ansible's Templar.do_template printed for the same source and variables.
const vars = {
  d: { b: 2, a: 1 },
  users: [
    { n: 'a', g: 'x', age: 3, grp: ['w'] },
    { n: 'b', g: 'y', age: 1, grp: [] },
    { n: 'c', g: 'x', age: 2, grp: ['w', 'z'] },
  ],
  s: 'Hello World',
  l: [3, 1, 2],
};

const table: Array<[string, string]> = [
  ["{{ d | dict2items(key_name='k', value_name='v') }}", "[{'k': 'b', 'v': 2}, {'k': 'a', 'v': 1}]"],
  ["{{ users | selectattr('age', 'equalto', 1) | map(attribute='n') | list }} {{ users | rejectattr('age', 'gt', 1) | map(attribute='n') | list }}", "['b'] ['b']"],
  ["{{ users | map(attribute='zz', default='z') | list }} {{ users | sort(attribute='age', reverse=true) | map(attribute='n') | list }}", "['z', 'z', 'z'] ['a', 'c', 'b']"],
  ["{{ users | unique(attribute='g') | map(attribute='n') | list }} {{ ['a', 'A', 'b'] | unique }} {{ ['a', 'A'] | unique(case_sensitive=True) }}", "['a', 'b'] ['a', 'b'] ['a', 'A']"],
  ["{% for g, members in users | groupby('g') %}{{ g }}={{ members | map(attribute='n') | join(',') }};{% endfor %}", "x=a,c;y=b;"],
  ["{{ users | sum(attribute='age') }} {{ (users | min(attribute='age')).n }} {{ (users | max(attribute='age')).n }}", "6 b a"],
  ["{{ l | batch(2) | list }} {{ l | batch(2, 0) | list }} {{ [1, 2, 3, 4, 5] | slice(2) | list }}", "[[3, 1], [2]] [[3, 1], [2, 0]] [[1, 2, 3], [4, 5]]"],
  ["{{ s | wordcount }} {{ 'hello world foo bar' | truncate(9) }} [{{ 'ab' | center(6) }}] {{ 'a\nb' | indent(2, first=True) }}", "2 hello... [  ab  ]   a\n  b"],
  ["{{ '%s-%s' | format(1, 2) }}|{{ d | xmlattr }}|{{ d | urlencode }}|{{ 'a b&c/d' | urlencode }}", "1-2| b=\"2\" a=\"1\"|b=2&a=1|a%20b%26c/d"],
  ["{{ d | tojson }} {{ d | items | list }} {{ d | dictsort }} {{ d | dictsort(by='value', reverse=true) }}", "{\"a\": 1, \"b\": 2} [('b', 2), ('a', 1)] [('a', 1), ('b', 2)] [('b', 2), ('a', 1)]"],
  ["{{ 'aBc' | regex_replace('b', 'x', ignorecase=True) }} {{ d | to_nice_json(indent=2) }}", "axc {\n  \"a\": 1,\n  \"b\": 2\n}"],
  ["{{ 'Ansible - くらとみ\n' | b64encode }} {{ 'hi' | b64encode(encoding='utf-16-le') }} {{ 'aABpAA==' | b64decode(encoding='utf-16-le') }}", "QW5zaWJsZSAtIOOBj+OCieOBqOOBvwo= aABpAA== hi"],
  ["{{ 'a: 1\nb: [x]' | from_yaml }} {{ '---\na: 1\n---\nb: 2' | from_yaml_all | list }} {{ '{\"k\": [1]}' | from_json }}", "{'a': 1, 'b': ['x']} [{'a': 1}, {'b': 2}] {'k': [1]}"],
  ["{{ 'hash' | hash('sha1') }} {{ 'hash' | hash('md5') }} {{ 'hash' | checksum }} {{ 'hash' | hash('sha256') }}", "2346ad27d7568ba9896f1b7da6b5991251debdf2 0800fc577294c34e0b28ad2839435945 2346ad27d7568ba9896f1b7da6b5991251debdf2 d04b98f48e8f8bcc15c6ae5ac050801cd6dcfd428fb5f9e65c4e16e7807340fa"],
  ["{{ 'sat' | regex_search('(s)(a)', '\\\\2', '\\\\1') }} {{ 'a1b22' | regex_findall('\\\\d+') }} {{ 'a.b*c' | regex_escape }} {{ ']^' | regex_escape('posix_basic') }}", "['a', 's'] ['1', '22'] a\\.b\\*c \\]\\^"],
  ["{{ true | ternary('y', 'n') }} {{ none | ternary('y', 'n', 'null') }} {{ 1 | type_debug }} {{ d | type_debug }} {{ 'x' | type_debug }}", "y null int dict str"],
  ["{{ [1, [2, [3, [4]]]] | flatten }} {{ [1, [2, [3, [4]]]] | flatten(levels=1) }}", "[1, 2, 3, 4] [1, 2, [3, [4]]]"],
  ["{{ {'a': {'x': 1, 'l': [1]}} | combine({'a': {'y': 2, 'l': [2]}}, recursive=True, list_merge='append') }}", "{'a': {'x': 1, 'l': [1, 2], 'y': 2}}"],
  ["{{ [0, 2] | map('extract', ['x', 'y', 'z']) | list }} {{ 'k' | extract({'k': {'s': 5}}, 's') }}", "['x', 'z'] 5"],
  ["{{ [1, 2] | zip(['a', 'b']) | list }} {{ [1, 2, 3] | zip_longest(['a'], fillvalue='-') | list }}", "[(1, 'a'), (2, 'b')] [(1, 'a'), (2, '-'), (3, '-')]"],
  ["{{ users | subelements('grp') | map('last') | list }} {{ users | subelements('grp') | length }}", "['w', 'w', 'z'] 3"],
  ["{{ [{'key': 'a', 'value': 1}] | items2dict }} {{ [{'n': 'a', 'v': 1}] | items2dict(key_name='n', value_name='v') }}", "{'a': 1} {'a': 1}"],
  ["{{ '/etc/ssh/sshd_config' | basename }} {{ '/etc/ssh/sshd_config' | dirname }} {{ 'a/b.tar.gz' | splitext }} {{ '/a/b/c' | relpath('/a') }} {{ ['a', 'b', '/c', 'd'] | path_join }}", "sshd_config /etc/ssh ('a/b.tar', '.gz') b/c /c/d"],
  ["{{ \"it's\" | quote }} {{ none | quote }} {{ 'x\ny' | comment }} {{ 'x' | comment('c') }} {{ 'x' | comment(style='cblock') }}", "'it'\"'\"'s' '' #\n# x\n# y\n# //\n// x\n// /*\n *\n * x\n *\n */"],
  ["{{ [1, 2, 3] | union([3, 4]) }} {{ [1, 2, 3] | intersect([3, 2]) }} {{ [1, 2, 3] | difference([2]) }} {{ [1, 2] | symmetric_difference([2, 3]) }}", "[1, 2, 3, 4] [2, 3] [1, 3] [1, 3]"],
  ["{{ 100 | log(10) | int }} {{ 2 | pow(10) | int }} {{ 81 | root(4) | int }} {{ 8 | log(2) | round(3) | int }} {{ 2 | pow(0.5) }}", "2 1024 3 3 1.4142135623730951"],
  ["{{ 10240 | human_readable }} {{ 102400000 | human_readable(unit='G') }} {{ 1 | human_readable(isbits=True) }} {{ '11 MB' | human_to_bytes }} {{ '10 Kb' | human_to_bytes(isbits=True) }}", "10.00 KB 0.10 GB 1.00 bits 11534336 10240"],
  ["{{ [{'p': 'a', 's': 1}, {'p': 'b', 's': 2}] | rekey_on_member('p') }}", "{'a': {'p': 'a', 's': 1}, 'b': {'p': 'b', 's': 2}}"],
  ["{{ 'monkeys' | to_uuid }} {{ 'x' | to_uuid(namespace='11111111-2222-3333-4444-555555555555') }}", "0d03a178-da0f-5b51-934e-cda9c76578c3 ae643dff-6199-5c7f-b5fe-bf3250d1d468"],
  ["{{ '%Y-%m-%d' | strftime(1585247522) }} {{ '1993-03-26 01:23:45' | to_datetime }} {{ '2020/01/02' | to_datetime('%Y/%m/%d') }}", "2020-03-26 1993-03-26 01:23:45 2020-01-02 00:00:00"],
  ["{{ 'http://u:p@www.acme.com:9000/dir/index.html?q=1#frag' | urlsplit }} {{ 'http://www.acme.com/x' | urlsplit('hostname') }} {{ 'a%20b+c' | urldecode }}", "{'fragment': 'frag', 'hostname': 'www.acme.com', 'netloc': 'u:p@www.acme.com:9000', 'password': 'p', 'path': '/dir/index.html', 'port': 9000, 'query': 'q=1', 'scheme': 'http', 'username': 'u'} www.acme.com a b c"],
  ["{{ [1, 2, 3] | combinations(2) | list }} {{ [1, 2, 3] | permutations(2) | list | length }} {{ [1, 2] | product(['a']) | list }}", "[(1, 2), (1, 3), (2, 3)] 6 [(1, 'a'), (2, 'a')]"],
  ["{{ 'yes' | bool }} {{ 'off' | bool }} {{ none | bool }} {{ 7 | bool }} {{ '0x1f' | int(base=16) }} {{ '3.9' | float }}", "True False  False 31 3.9"],
  ["{{ 'secret' | password_hash('sha512', 'mysalt', rounds=5000) }} {{ 'secret' | password_hash('sha256', 'abcdefghijklmnop', rounds=1000) }}", "$6$mysalt$UX6P1VKOf6dr0s2pg4pLNvIUB6hLXvP6M5f/Yj9hJgMPdAJ4oArvk5YUD9/XWtk1JOpVwt/JTsczMJr8sFVML1 $5$rounds=1000$abcdefghijklmnop$FzYoqjtuN.mjYqssIob4upmoKbZEpkdQMtytZuqNN/6"],
  ["{{ 'a' | mandatory }} {{ l | random(seed='x') in l }} {{ l | shuffle(seed='x') | sort }} {{ 3 | filesizeformat }} {{ 2048 | filesizeformat(true) }}", "a True [1, 2, 3] 3 Bytes 2.0 KiB"],
  ["{{ 'one two three four' | wordwrap(9) }}|{{ [1, 2] | pprint }}|{{ l | map('string') | list }}|{{ ['1', '2'] | map('int') | sum }}", "one two\nthree\nfour|[1, 2]|['3', '1', '2']|3"],
  // multi-line strings are single-quoted with doubled breaks, as PyYAML writes them (never an unindented block)
  ["{{ {'outer': {'inner': 'a\nb', 'lst': ['x\ny', 'z']}, 'tab': 'a\tb', 'sp': 'a \nb'} | to_nice_yaml }}", "outer:\n    inner: 'a\n\n        b'\n    lst:\n    - 'x\n\n        y'\n    - z\nsp: \"a \\nb\"\ntab: \"a\\tb\"\n"],
  // long strings fold at a single space past column 80, continuation indented, as PyYAML's width
  ["{{ {'key': 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 user@host and some more words to make it quite long indeed yes', 'n': {'k': 'word ' * 20}} | to_nice_yaml }}", "key: ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 user@host and some more words to make\n    it quite long indeed yes\nn:\n    k: 'word word word word word word word word word word word word word word word\n        word word word word word '\n"],
  ["{{ 'hello world and more' | truncate(12) }}|{{ 'hello world and more' | truncate(12, True) }}|{{ 'one-two three' | wordwrap(5) }}", 'hello...|hello wor...|one-\ntwo\nthree'],
  // Python's round: the exact binary value decides, exact halves go to the even neighbour
  ["{{ 2.675 | round(2) }} {{ 0.125 | round(2) }} {{ 7.45 | round(1) }} {{ 2.5 | round | int }} {{ 3.5 | round | int }} {{ -2.5 | round | int }}", '2.67 0.12 7.5 2 4 -2'],
];

for (const [source, expected] of table) {
  test(`filter: ${source}`, () => {
    assert.equal(createTemplar(vars).renderText(source), expected);
  });
}

// Error messages the integration targets look for.
const failures: Array<[string, RegExp]> = [
  ["{{ 'hash' | hash('nope') }}", /unsupported hash type nope/],
  ["{{ [1] | combine(foo='bar') }}", /'recursive' and 'list_merge' are the only valid keyword arguments/],
  ['{{ [1] | combine({}) }}', /failed to combine variables, expected dicts but got/],
  ['{{ missing | mandatory }}', /Mandatory variable 'missing' {2}not defined\.$/],
  ['{{ true | dict2items }}', /dict2items requires a dictionary/],
  ['{{ [true] | items2dict }}', /items2dict requires a list of dictionaries/],
  ["{{ '10.00 foo' | human_to_bytes }}", /can't interpret|failed to convert/],
  ["{{ 'yo' | log }}", /can only be used on numbers/],
  ['{{ none | random }}', /random can only be used on sequences and integers/],
  ['{{ [1, 2] | random(start=1) }}', /start and step can only be used/],
  ["{{ [{'a': 1}] | rekey_on_member('b') }}", /was not found/],
  ["{{ true | subelements('x') }}", /obj must be a list of dicts or a nested dict/],
  ["{{ 'x' | regex_escape(re_type='posix_extended') }}", /Regex type \(posix_extended\) not yet implemented/],
  ["{{ 'x' | password_hash('whirlpool') }}", /whirlpool is not supported/],
  ["{{ 'x' | to_uuid(namespace=22) }}", /Invalid value/],
  ["{{ '%Y' | strftime('foo') }}", /Invalid value for epoch value/],
  ["{{ 'x' | vault('pw') | unvault('other') }}", /Unable to decrypt/],
  ["{{ 'c:\\\\x' | win_basename }}", /win_basename filter is not supported by playtree/],
];

for (const [source, message] of failures) {
  test(`filter error: ${source}`, () => {
    assert.throws(() => createTemplar(vars).renderText(source), message);
  });
}
