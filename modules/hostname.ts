import { ModuleError } from '../src/core/errors.js';
import type { FileDiff, ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { installContentUnread, isFailure } from './fileWriter.js';
import { readTextFile, type TextFile } from './textFileEdit.js';

/**
 * ansible.builtin.hostname for image trees: name; writes /etc/hostname (Ansible's file strategy) and never
 * touches the running kernel's hostname (no `hostname`, no hostnamectl: a container may share the host's UTS
 * namespace), so `use` is accepted and ignored.
 * playtree extension: `update_hosts: true` also adds or updates the Debian `127.0.1.1 NAME [SHORT]` line of
 * /etc/hosts (created with a localhost line when missing).
 * Differs: the returned ansible_fqdn is `name` itself and ansible_domain what follows its first dot (Ansible asks
 * the running system's resolver, which knows nothing of a tree).
 */
export const hostnameModule: ModuleDefinition = {
  name: 'hostname',
  args: {
    name: { type: 'str', required: true },
    use: { type: 'str' },
    update_hosts: { type: 'bool', default: false },
  },
  async run(ctx) {
    const name = (ctx.args['name'] as string).trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(name) || name.length > 253) {
      throw new ModuleError(`invalid hostname '${name}': use letters, digits, '-' and '.' only`);
    }
    // Read with cat alone (no stat): the write keeps owner and mode from the file itself.
    const hostnameFile = await readText(ctx, '/etc/hostname');
    const before = hostnameFile.text.trim();
    const writes: { file: TextFile; content: string; diff: FileDiff }[] = [];
    if (before !== name) {
      writes.push({ file: hostnameFile, content: `${name}\n`, diff: { before: `hostname = ${before}\n`, after: `hostname = ${name}\n` } });
    }
    if (ctx.args['update_hosts']) {
      const hostsFile = await readText(ctx, '/etc/hosts');
      const wanted = hostsWithName(hostsFile.text, name);
      if (wanted !== hostsFile.text) {
        writes.push({ file: hostsFile, content: wanted, diff: { before: hostsFile.text, after: wanted, before_header: '/etc/hosts (content)', after_header: '/etc/hosts (content)' } });
      }
    }
    const short = name.split('.')[0]!;
    const result: ModuleResult = {
      changed: writes.length > 0,
      name,
      ansible_facts: { ansible_hostname: short, ansible_nodename: name, ansible_fqdn: name, ansible_domain: name.split('.').slice(1).join('.') },
    };
    if (writes.length) result.diff = writes.length === 1 ? writes[0]!.diff : writes.map((w) => w.diff);
    if (ctx.check) return result;
    for (const { file, content } of writes) {
      // The path itself is replaced (a link there too), with the owner and mode of what it names.
      const installed = await installContentUnread(ctx, { dest: file.path, current: file.state, data: Buffer.from(content), changes: {} });
      if (isFailure(installed)) throw new ModuleError(String(installed.msg));
    }
    return result;
  },
};

async function readText(ctx: ModuleContext, path: string): Promise<TextFile> {
  const file = await readTextFile(ctx, path, {});
  if (isFailure(file)) throw new ModuleError(`${path} is a folder`);
  return file;
}

/**
 * /etc/hosts text with Debian's `127.0.1.1` line naming `name` (and its short name when it has a domain):
 * the first such line is replaced, or one is added after the last `127.0.0.1` line. Unchanged when it already
 * names exactly these. Pure.
 */
export function hostsWithName(hosts: string, name: string): string {
  const short = name.split('.')[0]!;
  const names = short === name ? [name] : [name, short];
  const line = `127.0.1.1\t${names.join('\t')}`;
  if (hosts.trim() === '') return `127.0.0.1\tlocalhost\n${line}\n`;
  const lines = hosts.endsWith('\n') ? hosts.slice(0, -1).split('\n') : hosts.split('\n');
  const index = lines.findIndex((l) => /^\s*127\.0\.1\.1\s/.test(l));
  if (index >= 0) {
    const current = lines[index]!.replace(/#.*/, '').trim().split(/\s+/).slice(1);
    if (current.join(' ') === names.join(' ')) return hosts;
    lines[index] = line;
  } else {
    let last = -1;
    lines.forEach((l, i) => {
      if (/^\s*127\.0\.0\.1\s/.test(l)) last = i;
    });
    lines.splice(last + 1, 0, line);
  }
  return `${lines.join('\n')}\n`;
}
