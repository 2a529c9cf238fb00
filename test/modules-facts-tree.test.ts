import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Connection } from '../connections/connection.js';
import { createChrootConnection } from '../connections/chroot.js';
import { createNspawnConnection } from '../connections/nspawn.js';
import { setupModule } from '../modules/setup.js';
import { debugMessages, runPlaytree } from './support/cliOnTrees.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { runModule } from './support/moduleRun.js';
import { treeOptions } from './support/treeConnectionCases.js';
import { runModuleOn } from './support/treeModuleRun.js';

/** Gathered facts describe the tree, not the build host: one private copy of the Debian test tree, nspawn and chroot. */

const skip = realTreeSkipReason();

describe('setup on a Debian tree', { skip }, () => {
  let tree = '';
  let scratch = '';
  let remove = async () => {};
  let nspawn: Connection;
  let chroot: Connection;
  const inTree = (path: string) => join(tree, path);
  const gather = async (connection: Connection, args: Record<string, unknown> = {}) => {
    const result = await runModuleOn(connection, setupModule, args);
    assert.equal(result.failed, undefined, String(result.msg));
    return { result, facts: result.ansible_facts! };
  };

  before(async () => {
    ({ tree, scratch, remove } = await copyTestTree());
    await writeFile(inTree('etc/hostname'), 'imagehost\n');
    await writeFile(inTree('etc/hosts'), '127.0.0.1 localhost\n127.0.1.1 imagehost.example.org imagehost\n');
    nspawn = createNspawnConnection(treeOptions(tree));
    chroot = createChrootConnection(treeOptions(tree));
    await nspawn.open();
    await chroot.open();
  });
  after(async () => {
    await nspawn?.close();
    await chroot?.close();
    await remove();
  });

  test("nspawn: the tree's distribution, dpkg architecture and /etc/hostname, gathered in one round trip", async () => {
    const { result, facts } = await gather(nspawn);
    const debianVersion = (await readFile(inTree('etc/debian_version'), 'utf8')).trim();
    assert.equal(result.roundTrips, 1);
    assert.deepEqual(
      [facts['ansible_distribution'], facts['ansible_distribution_release'], facts['ansible_distribution_version'], facts['ansible_distribution_major_version'], facts['ansible_os_family'], facts['ansible_pkg_mgr']],
      ['Debian', 'bookworm', debianVersion, '12', 'Debian', 'apt'],
    );
    assert.deepEqual(facts['ansible_lsb'], { id: 'Debian', description: 'Debian GNU/Linux 12 (bookworm)', release: '12', codename: 'bookworm', major_release: '12' });
    assert.deepEqual([facts['ansible_architecture'], facts['ansible_machine'], facts['ansible_userspace_bits']], ['x86_64', 'x86_64', '64']);
    assert.deepEqual([facts['ansible_hostname'], facts['ansible_fqdn'], facts['ansible_domain']], ['imagehost', 'imagehost.example.org', 'example.org']);
    assert.deepEqual([facts['ansible_user_id'], facts['ansible_user_dir'], facts['ansible_user_shell']], ['root', '/root', '/bin/bash']);
    assert.equal((facts['ansible_env'] as Record<string, string>)['container'], 'systemd-nspawn');
  });

  test('nspawn and chroot each report their own virtualization type; only chroot is a chroot', async () => {
    const inContainer = (await gather(nspawn, { gather_subset: ['!all', 'virtual', 'chroot'] })).facts;
    const inChroot = (await gather(chroot, { gather_subset: ['!all', 'virtual', 'chroot'] })).facts;
    assert.deepEqual(
      [inContainer['ansible_virtualization_type'], inContainer['ansible_virtualization_role'], inContainer['ansible_is_chroot']],
      ['systemd-nspawn', 'guest', false],
    );
    assert.deepEqual([inChroot['ansible_virtualization_type'], inChroot['ansible_virtualization_role'], inChroot['ansible_is_chroot']], ['chroot', 'guest', true]);
    assert.equal(inChroot['ansible_distribution_release'], 'bookworm');
  });

  test('a tree without systemd reports sysvinit; with systemctl and the systemd binary installed, systemd', async () => {
    const service = async () => (await gather(nspawn, { filter: ['ansible_service_mgr'] })).facts['ansible_service_mgr'];
    assert.equal(await service(), 'sysvinit');
    await mkdir(inTree('usr/lib/systemd'), { recursive: true });
    for (const path of ['usr/bin/systemctl', 'usr/lib/systemd/systemd']) {
      await writeFile(inTree(path), '#!/bin/sh\nexit 0\n');
      await chmod(inTree(path), 0o755);
    }
    try {
      assert.equal(await service(), 'systemd');
    } finally {
      await rm(inTree('usr/bin/systemctl'));
      await rm(inTree('usr/lib/systemd/systemd'));
    }
  });

  test("the architecture is the tree's dpkg architecture: an arm64 tree reports aarch64 on an x86_64 build host", async () => {
    const status = inTree('var/lib/dpkg/status');
    const original = await readFile(status, 'utf8');
    await writeFile(status, original.replace(/(\nPackage: dpkg\n(?:[^\n]+\n)*?Architecture: )amd64/, '$1arm64'));
    try {
      const { facts } = await gather(chroot, { filter: ['ansible_architecture', 'ansible_machine', 'ansible_userspace_*'] });
      assert.deepEqual(facts, { ansible_architecture: 'aarch64', ansible_machine: 'aarch64', ansible_userspace_bits: '64' });
    } finally {
      await writeFile(status, original);
    }
  });

  test('ansible_local reads JSON and INI .fact files and runs executable ones; a failing one is reported', async () => {
    const folder = inTree('etc/ansible/facts.d');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'build.fact'), '{"image": "web", "layers": [1, 2]}\n');
    await writeFile(join(folder, 'site.fact'), '[General]\nRegion = eu\n');
    await writeFile(join(folder, 'probe.fact'), '#!/bin/sh\necho "{\\"arch\\": \\"$(dpkg --print-architecture)\\"}"\n');
    await writeFile(join(folder, 'broken.fact'), '#!/bin/sh\nexit 3\n');
    await writeFile(join(folder, 'ignored.txt'), 'not a fact file');
    await chmod(join(folder, 'probe.fact'), 0o755);
    await chmod(join(folder, 'broken.fact'), 0o755);
    const { result, facts } = await gather(nspawn, { gather_subset: ['!all', '!min', 'local'] });
    const failure = 'Failure executing fact script (/etc/ansible/facts.d/broken.fact), rc: 3';
    assert.deepEqual(facts['ansible_local'], { broken: failure, build: { image: 'web', layers: [1, 2] }, probe: { arch: 'amd64' }, site: { General: { region: 'eu' } } });
    assert.deepEqual(result['warnings'], [failure]);
    const elsewhere = await gather(chroot, { gather_subset: ['!all', '!min', 'local'], fact_path: '/nowhere' });
    assert.deepEqual(elsewhere.facts['ansible_local'], {});
  });

  test('gather_subset min leaves the hardware, network and virtual facts out; all has them, mounts with sizes', async () => {
    const min = (await gather(nspawn, { gather_subset: ['min'] })).facts;
    const all = (await gather(nspawn)).facts;
    for (const name of ['ansible_distribution', 'ansible_service_mgr', 'ansible_date_time', 'ansible_env', 'ansible_dns']) assert.ok(name in min, name);
    for (const name of ['ansible_mounts', 'ansible_processor_vcpus', 'ansible_memtotal_mb', 'ansible_interfaces', 'ansible_virtualization_type']) {
      assert.ok(!(name in min), `${name} gathered with min`);
      assert.ok(name in all, `${name} missing with all`);
    }
    const root = (all['ansible_mounts'] as Array<Record<string, unknown>>).find((mount) => mount['mount'] === '/');
    assert.ok(root && Number(root['size_total']) > 0, JSON.stringify(all['ansible_mounts']));
    assert.ok(Number(all['ansible_processor_vcpus']) >= 1);
  });

  test('a play: gather_facts false gathers nothing; gather_subset and fact_path reach Gathering Facts; ansible_facts has the names without prefix', async () => {
    await mkdir(inTree('srv/facts'), { recursive: true });
    await writeFile(inTree('srv/facts/role.fact'), '{"name": "db"}\n');
    await mkdir(join(scratch, 'play'), { recursive: true });
    // chroot: the test's own nspawn container holds the tree's lock.
    await writeFile(join(scratch, 'play/hosts.ini'), `${tree} ansible_connection=chroot\n`);
    await writeFile(join(scratch, 'play/site.yml'), `
- hosts: all
  gather_facts: false
  tasks:
    - debug:
        msg: "ungathered {{ ansible_facts.distribution is defined }}"
- hosts: all
  gather_subset: ['!all', '!min', 'distribution', 'local']
  fact_path: /srv/facts
  tasks:
    - debug:
        msg: "{{ ansible_facts.distribution }} {{ ansible_distribution }} {{ ansible_local.role.name }} {{ ansible_facts.ansible_local.role.name }} {{ ansible_facts.ansible_distribution is defined }} {{ ansible_kernel is defined }} {{ gather_subset }}"
`);
    const run = await runPlaytree(join(scratch, 'play'), ['-i', 'hosts.ini', 'site.yml']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(debugMessages(run.stdout), ['ungathered False', "Debian Debian db db False False ['!all', '!min', 'distribution', 'local']"]);
  });
});

test('local: the host names are the kernel\'s, the ids the user\'s own; ansible_local from a fact_path folder; one round trip', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'playtree-facts-'));
  try {
    await writeFile(join(folder, 'app.fact'), '{"port": 8080}');
    await writeFile(join(folder, 'run.fact'), '#!/bin/sh\necho \'{"ran": true}\'\n');
    await chmod(join(folder, 'run.fact'), 0o755);
    const result = await runModule(setupModule, { fact_path: folder });
    const facts = result.ansible_facts!;
    assert.equal(result.roundTrips, 1);
    assert.deepEqual([facts['ansible_nodename'], facts['ansible_user_uid'], facts['ansible_is_chroot']], [hostname(), process.getuid!(), false]);
    assert.deepEqual(facts['ansible_local'], { app: { port: 8080 }, run: { ran: true } });
    assert.notEqual(facts['ansible_virtualization_type'], 'chroot');
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

test('ansible.cfg fact_path, gather_subset and inject_facts_as_vars = False reach Gathering Facts; ansible_local stays a variable', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'playtree-facts-cfg-'));
  try {
    await writeFile(join(folder, 'x.fact'), '{"k": 1}\n');
    await writeFile(join(folder, 'ansible.cfg'), `[defaults]\nfact_path = ${folder}\ninject_facts_as_vars = False\ngather_subset = !all\n`);
    await writeFile(join(folder, 'site.yml'), `
- hosts: localhost
  tasks:
    - debug:
        msg: "{{ ansible_facts.ansible_local.x.k }} {{ ansible_local.x.k }} {{ ansible_distribution is defined }} {{ ansible_facts.distribution is defined }} {{ ansible_facts.mounts is defined }}"
`);
    const run = await runPlaytree(folder, ['-i', 'localhost,', '-c', 'local', 'site.yml']);
    assert.deepEqual(debugMessages(run.stdout), ['1 1 False True False'], run.stdout + run.stderr);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
