import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectedOutput, normalise, recapOf, runPlaytree, runWithFiles, tempRoot } from './fixtures/e2e/runPlaytree.js';

test('tasks, loops, register, changed_when, failed_when and ignore_errors print as ansible-playbook does', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    const run = await runPlaytree(['-i', 'hosts.ini', 'basics.yml', '-e', `root=${root}`]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(normalise(run.stdout, root), await expectedOutput('basics'));
    assert.equal(await readFile(join(root, 'basics/pear'), 'utf8'), 'pear\n');
  } finally {
    await cleanup();
  }
});

test('a second run of the same playbook reports changed=0 except for commands', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    await runPlaytree(['-i', 'hosts.ini', 'basics.yml', '-e', `root=${root}`]);
    const again = await runPlaytree(['-i', 'hosts.ini', 'basics.yml', '-e', `root=${root}`]);
    // Only the two shell/command tasks without changed_when: false report changes, as in Ansible.
    assert.equal(recapOf(again.stdout, 'alpha'), 'alpha                      : ok=9    changed=2    unreachable=0    failed=0    skipped=1    rescued=0    ignored=1');
  } finally {
    await cleanup();
  }
});

test('variables follow Ansible precedence from role defaults up to extra vars, with magic variables', async () => {
  const run = await runPlaytree(['-i', 'hosts.ini', 'precedence.yml', '-e', 'upto_12=extra']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, await expectedOutput('precedence'));
});

test('skips, empty loops and fully skipped loops print their summary line as Ansible 2.14', async () => {
  const quiet = await runPlaytree(['-i', 'hosts.ini', 'skips.yml']);
  assert.equal(quiet.stdout, await expectedOutput('skips'));
  const verbose = await runPlaytree(['-i', 'hosts.ini', 'skips.yml', '-v']);
  assert.equal(verbose.stdout, await expectedOutput('skips-v'));
});

test('hostvars holds another host’s inventory vars, set_fact and extra vars, but not play vars, as ansible-playbook', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    await writeFile(join(root, 'hosts.ini'), '[g]\na ansible_connection=local\nb ansible_connection=local inv=I\n');
    await writeFile(
      join(root, 'play.yml'),
      `- hosts: g
  gather_facts: false
  vars: { pv: P }
  tasks:
    - set_fact: { x: 1 }
    - debug: { msg: "{{ hostvars.b.inv }} {{ hostvars.b.ev }} {{ hostvars.b.x }} {{ hostvars.b.group_names }} {{ hostvars.b.pv | default('no play vars') }}" }
`,
    );
    const run = await runPlaytree(['-i', 'hosts.ini', '-e', 'ev=E', 'play.yml'], { cwd: root });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // ansible-playbook 2.14 prints this for both hosts.
    assert.equal(run.stdout.split('\n').filter((line) => line.includes('"msg"')).join('\n'), `    "msg": "I E 1 ['g'] no play vars"\n`.repeat(2).trimEnd());
  } finally {
    await cleanup();
  }
});

test('set_fact in a loop sets the facts of every item, and a failed loop sets none, as ansible-playbook', async () => {
  const { root, cleanup } = await tempRoot();
  try {
    await writeFile(join(root, 'hosts.ini'), 'a ansible_connection=local\n');
    await writeFile(
      join(root, 'play.yml'),
      `- hosts: a
  gather_facts: false
  tasks:
    - set_fact: { "v_{{ item }}": "{{ item }}" }
      loop: [x, y]
    - set_fact: { "w_{{ item }}": "{{ item if item == 'p' else undefined_here }}" }
      loop: [p, q]
      ignore_errors: true
    - debug: { msg: "{{ v_x }} {{ v_y }} {{ w_p | default('none') }}" }
`,
    );
    const run = await runPlaytree(['-i', 'hosts.ini', 'play.yml'], { cwd: root });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // ansible-playbook 2.14 prints "x y none": the loop failed (item q), so not even item p's fact is set.
    assert.match(run.stdout, /"msg": "x y none"/);
  } finally {
    await cleanup();
  }
});

test('register keeps no internal keys, failed on each item that ran, and none on a loop summary, as ansible-playbook', async () => {
  const run = await runWithFiles(
    {
      'h.ini': 'localhost ansible_connection=local\n',
      'play.yml': `- hosts: all
  gather_facts: false
  tasks:
    - debug: msg="{{ item }}"
      loop: [a]
      register: looped
    - set_fact: { q: 1 }
      register: fact
    - command: "true"
      loop: [a]
      when: item == 'b'
      register: skipped
    - debug:
        msg: "{{ [looped, fact, skipped.results[0].failed is defined] }}"
`,
    },
    ['-i', 'h.ini', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  // ansible-playbook 2.14's output for the last task.
  const last = run.stdout.slice(run.stdout.lastIndexOf('TASK [debug]'), run.stdout.indexOf('PLAY RECAP'));
  assert.equal(last, `TASK [debug] *******************************************************************
ok: [localhost] => {
    "msg": [
        {
            "changed": false,
            "msg": "All items completed",
            "results": [
                {
                    "ansible_loop_var": "item",
                    "changed": false,
                    "failed": false,
                    "item": "a",
                    "msg": "a"
                }
            ],
            "skipped": false
        },
        {
            "ansible_facts": {
                "q": 1
            },
            "changed": false,
            "failed": false
        },
        false
    ]
}

`);
});

test('a registered result is data: {{ in what a command printed is not templated again, as in Ansible', async () => {
  const run = await runWithFiles(
    {
      'h.ini': 'localhost ansible_connection=local\n',
      'play.yml': `- hosts: all
  gather_facts: false
  tasks:
    - command: echo "{{ '{{' }} foo {{ '}}' }}"
      register: printed
      changed_when: printed.stdout != ''
    - debug: msg="{{ printed.stdout }}"
`,
    },
    ['-i', 'h.ini', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /"msg": "\{\{ foo \}\}"/);
  assert.match(run.stdout, /changed: \[localhost\]/);
});

test('hostvars leaves a value naming a variable the host lacks (a play var) as written, item by item, as ansible-playbook', async () => {
  const run = await runWithFiles(
    {
      'h.ini': '[g]\nb ansible_connection=local\n',
      'host_vars/b.yml': 'tpl: "x{{ pv }}"\nlst: ["y{{ pv }}", "{{ inventory_hostname }}"]\n',
      'play.yml': `- hosts: g
  gather_facts: false
  vars: { pv: P }
  tasks:
    - debug: { msg: "{{ hostvars.b.tpl }} {{ hostvars.b.lst }} {{ tpl }}" }
`,
    },
    ['-i', 'h.ini', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  // ansible-playbook 2.14's line.
  assert.match(run.stdout, /"msg": "x\{\{ pv \}\} \['y\{\{ pv \}\}', 'b'\] xP"/);
});

test('a task name with a template shows rendered in its banner, or as written while its variable is undefined, as ansible-playbook', async () => {
  const run = await runWithFiles(
    {
      'h.ini': 'localhost ansible_connection=local\n',
      'play.yml': `- hosts: all
  gather_facts: false
  vars: { zone: Etc/UTC }
  tasks:
    - name: restore {{ zone }}
      debug: msg=a
    - name: show {{ later }}
      debug: msg=b
`,
    },
    ['-i', 'h.ini', 'play.yml'],
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^TASK \[restore Etc\/UTC\] \*+$/m);
  assert.match(run.stdout, /^TASK \[show \{\{ later \}\}\] \*+$/m);
});
