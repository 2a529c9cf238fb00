import { shellQuote } from '../src/shellQuote.js';
import type { ModuleDefinition } from './module.js';
import { formatMode, parseStates, stateCall, statePrelude, type ChecksumAlgorithm, type PathState } from './remoteFile.js';

/**
 * ansible.builtin.stat: path, follow, get_checksum, checksum_algorithm. One command reads everything.
 * Differs: no mimetype/charset (get_mime) and no attributes (lsattr); those arguments are accepted and ignored.
 */
export const statModule: ModuleDefinition = {
  name: 'stat',
  args: {
    path: { type: 'path', required: true, aliases: ['dest', 'name'] },
    follow: { type: 'bool', default: false },
    get_checksum: { type: 'bool', default: true },
    checksum_algorithm: {
      type: 'str',
      default: 'sha1',
      aliases: ['checksum', 'checksum_algo'],
      choices: ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'],
    },
    get_mime: { type: 'bool', default: true, aliases: ['mime', 'mime_type', 'mime-type'] },
    get_attributes: { type: 'bool', default: true, aliases: ['attr', 'attributes'] },
  },
  async run(ctx) {
    const path = ctx.args['path'] as string;
    const checksum = ctx.args['get_checksum'] ? (ctx.args['checksum_algorithm'] as ChecksumAlgorithm) : false;
    // After the state record: which of read/write/execute the connection's user has (os.access).
    const quoted = shellQuote(path);
    const access = `printf '%s%s%s' "$([ -r ${quoted} ] && echo r)" "$([ -w ${quoted} ] && echo w)" "$([ -x ${quoted} ] && echo x)"`;
    const run = await ctx.target.exec(`${statePrelude({ follow: ctx.args['follow'] as boolean, checksum })}${stateCall(path)}\n${access}`);
    if (run.rc !== 0) return { changed: false, failed: true, msg: `could not stat ${path}: ${run.stderr.toString().trim()}` };
    const state = parseStates(run.stdout, [path])[0]!;
    if (!state.exists) return { changed: false, stat: { exists: false } };
    const rights = run.stdout.subarray(run.stdout.lastIndexOf(0) + 1).toString();
    return { changed: false, stat: statResult(state, rights, ctx.args['get_checksum'] ? String(ctx.args['checksum_algorithm']) : '') };
  },
};

function statResult(state: PathState, rights: string, algorithm: string): Record<string, unknown> {
  const m = state.mode;
  const bit = (mask: number) => (m & mask) !== 0;
  const result: Record<string, unknown> = {
    exists: true,
    path: state.path,
    mode: formatMode(m),
    isdir: state.type === 'directory',
    ischr: state.type === 'chardev',
    isblk: state.type === 'blockdev',
    isreg: state.type === 'file',
    isfifo: state.type === 'fifo',
    islnk: state.type === 'link',
    issock: state.type === 'socket',
    uid: state.uid,
    gid: state.gid,
    size: state.size,
    inode: state.inode,
    dev: state.dev,
    nlink: state.nlink,
    atime: state.atime,
    mtime: state.mtime,
    ctime: state.ctime,
    wusr: bit(0o200), rusr: bit(0o400), xusr: bit(0o100),
    wgrp: bit(0o020), rgrp: bit(0o040), xgrp: bit(0o010),
    woth: bit(0o002), roth: bit(0o004), xoth: bit(0o001),
    isuid: bit(0o4000), isgid: bit(0o2000),
    pw_name: state.owner,
    gr_name: state.group,
    readable: rights.includes('r'),
    writeable: rights.includes('w'),
    executable: rights.includes('x'),
  };
  if (state.type === 'link') Object.assign(result, { lnk_source: state.realPath, lnk_target: state.linkTarget });
  if (state.checksum && algorithm) result['checksum'] = state.checksum;
  return result;
}
