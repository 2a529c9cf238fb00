import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { tempRoot } from './fixtures/e2e/runPlaytree.js';
import { play } from './support/playRun.js';

/**
 * The habitual ansible-playbook flags on real runs through the local connection and a connection plugin.
 * The precedence cases are what ansible-playbook 2.14 did with the same inventory, play and flags
 * (`-i ... -c local`, its EXEC lines at -vvv; `-c ssh` to a closed port for the user it connects as).
 */

const BIN = fileURLToPath(new URL('../../bin/playtree.js', import.meta.url));
const asRoot = { skip: process.getuid?.() !== 0 && 'needs root (runuser switches users)' };

/** A connection plugin that runs commands here and shows the connection settings it was given as $SHOWN_*. */
const SHOWN_PLUGIN = `import { spawn } from 'node:child_process';
export default function ({ vars }) {
  const env = {
    ...process.env,
    SHOWN_USER: String(vars.ansible_user ?? vars.ansible_ssh_user ?? '-'),
    SHOWN_KEY: String(vars.ansible_private_key_file ?? '-') + ',' + String(vars.ansible_ssh_private_key_file ?? '-'),
    SHOWN_TIMEOUT: String(vars.ansible_timeout ?? '-'),
  };
  return {
    transport: 'shown',
    async open() {},
    async exec(command) {
      const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const out = [];
      const err = [];
      child.stdout.on('data', (chunk) => out.push(chunk));
      child.stderr.on('data', (chunk) => err.push(chunk));
      const rc = await new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
      return { rc, stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
    },
    async put() { throw new Error('not needed'); },
    async fetch() { throw new Error('not needed'); },
    async close() {},
  };
}
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Write `files` in a fresh folder and run bin/playtree.js there with `args`, `input` as its stdin (no terminal). */
async function runWith(files: Record<string, string>, args: string[], input = ''): Promise<Run & { exists: (name: string) => boolean }> {
  const { root, cleanup } = await tempRoot();
  try {
    for (const [name, text] of Object.entries({ 'ansible.cfg': '', ...files })) {
      await mkdir(dirname(join(root, name)), { recursive: true });
      await writeFile(join(root, name), text);
    }
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ANSIBLE_')));
    const child = spawn(process.execPath, [BIN, ...args], { cwd: root, env: { ...clean, PLAYTREE_NO_LIVE: '1', ANSIBLE_CONFIG: join(root, 'ansible.cfg') } });
    child.stdin.end(input);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const code = await new Promise<number>((resolve) => child.on('close', (status) => resolve(status ?? -1)));
    const present = new Set(Object.keys(files).concat(['done-1', 'done-2', 'done-3', 'handled']).filter((name) => existsSync(join(root, name))));
    return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), exists: (name) => present.has(name) };
  } finally {
    await cleanup();
  }
}

const msgs = (stdout: string) => [...stdout.matchAll(/^ {4}"msg": "(.*)"$/gm)].map((match) => match[1]);

/** A play on `hosts` that prints `inventory_hostname: <what the shell says>`. */
const showPlay = (hosts: string, shell: string, header = '') =>
  `- hosts: ${hosts}\n  gather_facts: false\n${header}  tasks:\n    - shell: ${JSON.stringify(shell)}\n      register: r\n    - debug: { msg: "{{ inventory_hostname }}: {{ r.stdout }}" }\n`;

test('-u, --private-key and -T reach a connection as ansible_user, ansible_(ssh_)private_key_file and ansible_timeout; host variables win, then remote_user, then -u', async () => {
  const inventory = 'plain ansible_connection=shown\nown ansible_connection=shown ansible_user=varuser ansible_timeout=7\nsshvar ansible_connection=shown ansible_ssh_user=sshuser\n';
  const shell = 'echo "$SHOWN_USER $SHOWN_KEY $SHOWN_TIMEOUT"';
  const run = await runWith(
    {
      'connection_plugins/shown.js': SHOWN_PLUGIN,
      'hosts.ini': inventory,
      'play.yml': showPlay('all', shell) + showPlay('plain,own', shell, '  remote_user: kwuser\n'),
    },
    ['-i', 'hosts.ini', '-u', 'cliuser', '--private-key', '/k/id', '-T', '3', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(msgs(run.stdout), [
    'plain: cliuser /k/id,/k/id 3',
    'own: varuser /k/id,/k/id 7',
    'sshvar: sshuser /k/id,/k/id 3',
    'plain: kwuser /k/id,/k/id 3',
    'own: varuser /k/id,/k/id 7',
  ]);
});

test('ansible.cfg remote_user, private_key_file and timeout are the defaults; -u wins over them', async () => {
  const files = {
    'connection_plugins/shown.js': SHOWN_PLUGIN,
    'hosts.ini': 'plain ansible_connection=shown\n',
    'ansible.cfg': '[defaults]\nremote_user = cfguser\nprivate_key_file = /cfg/key\ntimeout = 9\n',
    'play.yml': showPlay('all', 'echo "$SHOWN_USER $SHOWN_KEY $SHOWN_TIMEOUT"'),
  };
  assert.deepEqual(msgs((await runWith(files, ['-i', 'hosts.ini', 'play.yml'])).stdout), ['plain: cfguser /cfg/key,/cfg/key 9']);
  assert.deepEqual(msgs((await runWith(files, ['-i', 'hosts.ini', '-u', 'cliuser', 'play.yml'])).stdout), ['plain: cliuser /cfg/key,/cfg/key 9']);
});

test("-c sets the connection of hosts that name none; a host's ansible_connection wins over -c, as in ansible-playbook", async () => {
  const run = await runWith(
    {
      'connection_plugins/shown.js': SHOWN_PLUGIN,
      'hosts.ini': 'bycli\nown ansible_connection=local\n',
      'play.yml': showPlay('all', 'echo "${SHOWN_USER:-not the plugin}"'),
    },
    ['-i', 'hosts.ini', '-c', 'shown', '-u', 'cliuser', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(msgs(run.stdout), ['bycli: cliuser', 'own: not the plugin']);
});

const whoami = (header = '', task = '') => `- hosts: all\n  gather_facts: false\n${header}  tasks:\n    - command: id -un\n${task}      register: r\n    - debug: { msg: "{{ inventory_hostname }}: {{ r.stdout }}" }\n`;

test('-b, --become-user, --become-method: ansible_become* host variables win over play and task keywords, which win over the flags', asRoot, async () => {
  const inventory = 'plain ansible_connection=local\nvaruser ansible_connection=local ansible_become_user=sys\nvaroff ansible_connection=local ansible_become=false\n';
  const playbook = [
    whoami().replace('hosts: all', 'hosts: plain'),
    whoami('  become: false\n').replace('hosts: all', 'hosts: plain'),
    whoami('  become_user: bin\n').replace('hosts: all', 'hosts: plain,varuser'),
    whoami('', '      become: true\n').replace('hosts: all', 'hosts: varoff'),
  ].join('');
  const run = await runWith({ 'hosts.ini': inventory, 'play.yml': playbook }, ['-i', 'hosts.ini', '-b', '--become-user', 'daemon', '--become-method', 'runuser', 'play.yml']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(msgs(run.stdout), ['plain: daemon', 'plain: root', 'plain: bin', 'varuser: sys', 'varoff: root']);
});

test('--become-user without -b switches to no one; with a play become: true it names the user', asRoot, async () => {
  const playbook = whoami() + whoami('  become: true\n  become_method: runuser\n');
  const run = await runWith({ 'hosts.ini': 'plain ansible_connection=local\n', 'play.yml': playbook }, ['-i', 'hosts.ini', '--become-user', 'daemon', 'play.yml']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(msgs(run.stdout), ['plain: root', 'plain: daemon']);
});

test('ansible.cfg [privilege_escalation] become settings apply without flags; the flags win over them', asRoot, async () => {
  const files = {
    'hosts.ini': 'plain ansible_connection=local\n',
    'ansible.cfg': '[privilege_escalation]\nbecome = True\nbecome_user = games\nbecome_method = runuser\n',
    'play.yml': whoami(),
  };
  assert.deepEqual(msgs((await runWith(files, ['-i', 'hosts.ini', 'play.yml'])).stdout), ['plain: games']);
  assert.deepEqual(msgs((await runWith(files, ['-i', 'hosts.ini', '--become-user', 'daemon', 'play.yml'])).stdout), ['plain: daemon']);
});

test('an unknown become method fails the task, naming the ones playtree has', async () => {
  const run = await runWith({ 'hosts.ini': 'plain ansible_connection=local\n', 'play.yml': whoami() }, ['-i', 'hosts.ini', '-b', '--become-user', 'nobody', '--become-method', 'doas', 'play.yml']);
  assert.equal(run.code, 2);
  assert.match(run.stdout, /become_method 'doas' is not supported; use sudo, su or runuser/);
});

const stepPlay = play(
  ['- name: first', '  command: touch done-1', '  notify: h', '- name: second', '  command: touch done-2', '- meta: flush_handlers', '- name: third', '  command: touch done-3'].join('\n'),
).concat('  handlers:\n    - name: h\n      command: touch handled\n');

test('--step asks before each task and handler as ansible-playbook does: y runs it, n skips it; answers are read from stdin', async () => {
  const run = await runWith({ 'hosts.ini': 'a ansible_connection=local\n', 'play.yml': stepPlay }, ['-i', 'hosts.ini', '--step', 'play.yml'], 'y\nn\nyes\nY\n');
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const asked = [...run.stdout.matchAll(/^Perform task: (.*) \(N\)o\/\(y\)es\/\(c\)ontinue: $/gm)].map((match) => match[1]);
  assert.deepEqual(asked, ['TASK: first', 'TASK: second', 'HANDLER: h', 'TASK: third']);
  assert.ok(run.stdout.includes(`Perform task: TASK: first (N)o/(y)es/(c)ontinue: \nPerform task: TASK: first (N)o/(y)es/(c)ontinue: ${'*'.repeat(31)}\n`), run.stdout);
  assert.deepEqual(['done-1', 'done-2', 'handled', 'done-3'].map(run.exists), [true, false, true, true]);
  assert.doesNotMatch(run.stdout, /TASK \[second\]/);
});

test('--step: c runs the task and all later ones without asking; stdin ending stops the run with exit 2', async () => {
  const files = { 'hosts.ini': 'a ansible_connection=local\n', 'play.yml': stepPlay };
  const continued = await runWith(files, ['-i', 'hosts.ini', '--step', 'play.yml'], 'n\nc\n');
  assert.equal(continued.code, 0, continued.stdout + continued.stderr);
  assert.equal([...continued.stdout.matchAll(/^Perform task:.*: $/gm)].length, 2);
  assert.deepEqual(['done-1', 'done-2', 'handled', 'done-3'].map(continued.exists), [false, true, false, true]);
  const ended = await runWith(files, ['-i', 'hosts.ini', '--step', 'play.yml'], 'y\n');
  assert.equal(ended.code, 2);
  assert.match(ended.stderr, /^ERROR! --step: standard input ended before an answer for TASK: second; the run stops here$/m);
  assert.deepEqual(['done-1', 'done-2'].map(ended.exists), [true, false]);
});

test('-K reads the become password from stdin without a terminal, leaving the next lines to --step; -k warns that no password login exists; --flush-cache is accepted', async () => {
  const run = await runWith({ 'hosts.ini': 'a ansible_connection=local\n', 'play.yml': stepPlay }, ['-i', 'hosts.ini', '-K', '-k', '--flush-cache', '--step', 'play.yml'], 'secret\nn\nc\n');
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stderr, /^BECOME password: /m);
  assert.match(run.stderr, /\[WARNING\]: -k\/--ask-pass: no playtree connection logs in with a password/);
  assert.deepEqual(['done-1', 'done-2', 'done-3'].map(run.exists), [false, true, true]);
});

/**
 * Run `args` on a terminal (util-linux `script` gives it a pty), answering each prompt in `answers` once
 * it has been printed: nothing is typed before playtree asks.
 */
async function runOnTerminal(files: Record<string, string>, args: string[], answers: Array<[string, string]>): Promise<Run> {
  const { root, cleanup } = await tempRoot();
  try {
    for (const [name, text] of Object.entries({ 'ansible.cfg': '', ...files })) await writeFile(join(root, name), text);
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ANSIBLE_')));
    const command = [process.execPath, BIN, ...args].map((word) => `'${word}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: root, env: { ...clean, ANSIBLE_CONFIG: join(root, 'ansible.cfg') } });
    let seen = '';
    let next = 0;
    let from = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      for (let at: number; next < answers.length && (at = seen.indexOf(answers[next]![0], from)) >= 0; next++) {
        from = at + answers[next]![0].length;
        child.stdin.write(answers[next]![1]);
      }
    });
    const code = await new Promise<number>((resolve) => child.on('close', (status) => resolve(status ?? -1)));
    child.stdin.end();
    return { code, stdout: seen, stderr: '' };
  } finally {
    await cleanup();
  }
}

test('on a terminal, -K does not show the password typed, and --step questions come in the text layout (no live view)', { skip: !existsSync('/usr/bin/script') && 'needs script (util-linux)' }, async () => {
  const run = await runOnTerminal(
    { 'hosts.ini': 'a ansible_connection=local\n', 'play.yml': play('- name: first\n  debug: { msg: ran first }') },
    ['-i', 'hosts.ini', '-K', '--step', 'play.yml'],
    [['BECOME password: ', 'hunter2\n'], ['Perform task: TASK: first', 'y\n']],
  );
  assert.equal(run.code, 0, run.stdout);
  assert.doesNotMatch(run.stdout, /hunter2/);
  assert.match(run.stdout, /TASK \[first\] \*+\r?\nok: \[a\] => \{\r?\n {4}"msg": "ran first"/);
});

test('--step: an include_tasks result line comes before the next question, as in ansible-playbook', async () => {
  const run = await runWith(
    { 'hosts.ini': 'a ansible_connection=local\n', 'play.yml': play('- include_tasks: inc.yml'), 'inc.yml': '- name: inner\n  debug: { msg: inside }\n' },
    ['-i', 'hosts.ini', '--step', 'play.yml'],
    'y\ny\n',
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /\nincluded: \S+inc\.yml for a\nPerform task: TASK: inner \(N\)o/);
});
