// An example playtree module: copy this file into a `library/` folder beside your playbook (or into a folder
// given with -M), then use it in a task: `- hostname_file: { name: builder }` (the file name is the name).
//
// It makes the file `path` (default /etc/hostname) hold the single line `name`: one command reads it, and it
// is written only when it differs and not in check mode; with --diff the change is shown.
// The JSDoc type gives editors and `tsc --checkJs` playtree's module interface (`npm install -D playtree`).

/** @type {import('playtree').ModuleDefinition} */
export default {
  name: 'hostname_file',
  args: {
    name: { type: 'str', required: true },
    path: { type: 'path', default: '/etc/hostname' },
  },
  async run({ args, target, check, diff }) {
    const path = String(args.path);
    const wanted = `${args.name}\n`;
    const read = await target.exec(['cat', '--', path]);
    const current = read.rc === 0 ? read.stdout.toString() : '';
    if (current === wanted) return { changed: false, path };
    if (!check) await target.put(wanted, path);
    const result = { changed: true, path };
    return diff ? { ...result, diff: { before: current, after: wanted, before_header: path, after_header: path } } : result;
  },
};
