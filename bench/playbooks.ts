/*
 * The benchmark's image-building playbooks, generated: blocks of ten tasks (copy, template, lineinfile,
 * file, command, shell and a loop), numbered so that every block writes its own files. The 10-task
 * playbook is the first block of the longer ones, so their difference is tasks of the same mix.
 * `root` prefixes every path: '' inside a tree, a scratch folder for the local connection.
 */

export const TEMPLATE = `# {{ inventory_hostname }} block {{ block }}
{% for name in services %}
service.{{ name }}.enabled = {{ (name != 'debug') | lower }}
{% endfor %}
`;

function block(index: number): string {
  const dir = `{{ root }}/etc/bench/${index}`;
  return `
    - name: folder for block ${index}
      file: { path: "${dir}", state: directory, mode: "0755" }  # parents too, as Ansible's file does
    - name: copy a configuration file
      copy: { content: "name=bench-${index}\\nlevel=3\\n", dest: "${dir}/copy.conf", mode: "0644" }
    - name: template a configuration file
      template: { src: bench.conf.j2, dest: "${dir}/template.conf", mode: "0644" }
      vars: { block: ${index} }
    - name: add a line
      lineinfile: { path: "${dir}/copy.conf", line: "extra=${index}" }
    - name: replace a line
      lineinfile: { path: "${dir}/copy.conf", regexp: "^level=", line: "level=5" }
    - name: restrict a file
      file: { path: "${dir}/copy.conf", mode: "0600" }
    - name: run a command
      command: cat ${dir}/copy.conf
      changed_when: false
    - name: run a shell pipeline
      shell: sort ${dir}/copy.conf | sha256sum > ${dir}/copy.sum
    - name: touch files in a loop
      file: { path: "${dir}/{{ item }}", state: touch, mode: "0644" }
      loop: [a, b, c]
    - name: copy a second file
      copy: { content: "name=bench-${index}\\nlevel=3\\n", dest: "${dir}/copy.orig", mode: "0644" }`;
}

/** A playbook of `blocks` × 10 tasks on all hosts. */
export function benchPlaybook(blocks: number): string {
  const tasks = Array.from({ length: blocks }, (_unused, index) => block(index)).join('\n');
  return `- name: build an image (${blocks * 10} tasks)
  hosts: all
  gather_facts: false
  vars:
    services: [ssh, cron, journald, debug]
  tasks:${tasks}
`;
}
