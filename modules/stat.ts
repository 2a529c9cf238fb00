import { shellQuote } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { formatMode, parseStates, stateCall, statePrelude, type ChecksumAlgorithm, type PathState } from './remoteFile.js';
import { fileTypeGuess, statAttributes } from './statExtras.js';
import { expandTargetPaths } from './targetPaths.js';

/**
 * ansible.builtin.stat: path (dest, name), follow, get_checksum, checksum_algorithm (md5, sha1, sha224, sha256,
 * sha384, sha512), get_md5, get_mime, get_attributes. Every key Ansible's stat returns on Linux, in one command:
 * types and permission booleans, uid/gid with pw_name/gr_name, size, inode, dev, nlink, blocks, block_size,
 * device_type, atime/mtime/ctime as floats, readable/writeable/executable for the connection's user,
 * lnk_source/lnk_target, checksum (regular readable files), mimetype/charset from the target's `file` command, and
 * version/attributes/attr_flags from its lsattr. Differs: without `file` in the target (a minbase tree has none),
 * mimetype and charset are a guess from the type and the first 8 KiB (inode/directory, inode/x-empty, text/plain
 * with us-ascii or utf-8, else application/octet-stream with binary) where Ansible says `unknown`.
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
    get_md5: { type: 'bool', default: false },
    get_mime: { type: 'bool', default: true, aliases: ['mime', 'mime_type', 'mime-type'] },
    get_attributes: { type: 'bool', default: true, aliases: ['attr', 'attributes'] },
  },
  run: runStat,
};

/**
 * After the state record, NUL-separated: access rights (r, w, x), md5, lsattr -vd's line, `file`'s answer (or `-`
 * when it is missing, then the first 8 KiB of a regular file, raw, to the end of the output). Shell tests and
 * parameter expansion rather than `$(...)` and filters: every process a stat task starts is one it needs.
 */
function extrasScript(ctx: ModuleContext, path: string): string {
  const p = shellQuote(path);
  const a = ctx.args;
  const lines = [
    `pt_rwx=; if [ -r ${p} ]; then pt_rwx=r; fi; if [ -w ${p} ]; then pt_rwx=\${pt_rwx}w; fi; if [ -x ${p} ]; then pt_rwx=\${pt_rwx}x; fi; printf '%s\\0' "$pt_rwx"`,
    a['get_md5'] ? `[ -f ${p} ] && [ -r ${p} ] && pt_md5=$(md5sum < ${p}) && printf '%s' "\${pt_md5%% *}"; printf '\\0'` : `printf '\\0'`,
    a['get_attributes'] ? `command -v lsattr >/dev/null && lsattr -vd -- ${p} 2>/dev/null; printf '\\0'` : `printf '\\0'`,
  ];
  if (a['get_mime']) {
    lines.push(
      `if command -v file >/dev/null; then file --mime-type --mime-encoding -- ${p}; printf '\\0'; ` +
        `else printf -- '-\\0'; [ -f ${p} ] && [ -r ${p} ] && head -c 8192 -- ${p}; fi`,
    );
  }
  return [...lines, 'exit 0'].join('\n');
}

/** The NUL-terminated fields of `output` from `offset`, `count` of them, then the bytes after them. */
function splitFields(output: Buffer, offset: number, count: number): { fields: string[]; rest: Buffer } {
  const fields: string[] = [];
  for (let index = 0; index < count; index++) {
    const end = output.indexOf(0, offset);
    if (end < 0) break;
    fields.push(output.subarray(offset, end).toString());
    offset = end + 1;
  }
  return { fields, rest: fields.length === count ? output.subarray(offset) : Buffer.alloc(0) };
}

async function runStat(ctx: ModuleContext): Promise<ModuleResult> {
  await expandTargetPaths(ctx, ['path']);
  const path = ctx.args['path'] as string;
  const checksum = ctx.args['get_checksum'] ? (ctx.args['checksum_algorithm'] as ChecksumAlgorithm) : false;
  const prelude = statePrelude({ follow: ctx.args['follow'] as boolean, checksum });
  const run = await ctx.target.exec(`${prelude}${stateCall(path)} || exit 1\n[ -e ${shellQuote(path)} ] || [ -L ${shellQuote(path)} ] || exit 0\n${extrasScript(ctx, path)}`);
  if (run.rc !== 0) return { changed: false, failed: true, msg: `could not stat ${path}: ${run.stderr.toString().trim()}` };
  const state = parseStates(run.stdout, [path])[0]!;
  if (!state.exists) return { changed: false, stat: { exists: false } };
  // Without content the state record is five NUL-terminated fields: the extras follow it.
  let recordEnd = 0;
  for (let field = 0; field < 5; field++) recordEnd = run.stdout.indexOf(0, recordEnd) + 1;
  const { fields, rest: sample } = splitFields(run.stdout, recordEnd, 4);
  const [rights = '', md5 = '', lsattr = '', mime] = fields;
  const stat = statResult(state, rights);
  Object.assign(stat, { blocks: state.blocks, block_size: state.blockSize, device_type: makeDevice(state.deviceMajor, state.deviceMinor) });
  if (stat['isreg'] && stat['readable']) {
    if (ctx.args['get_md5']) stat['md5'] = md5 || null;
    if (checksum && state.checksum) stat['checksum'] = state.checksum;
  }
  if (ctx.args['get_mime']) Object.assign(stat, mimeFields((mime ?? '').trim(), sample, state));
  if (ctx.args['get_attributes']) Object.assign(stat, statAttributes(lsattr));
  return { changed: false, stat };
}

/** glibc's makedev: st_rdev from major and minor numbers. */
function makeDevice(major: number, minor: number): number {
  return (major & 0xfff) * 0x100 + (minor & 0xff) + (minor & ~0xff) * 0x1000 + Math.floor(major / 0x1000) * 0x100000000000;
}

/** `file --mime-type --mime-encoding` says `path: type; charset=x`; without it, a guess (see the header). */
function mimeFields(answer: string, sample: Buffer, state: PathState): { mimetype: string; charset: string } {
  if (answer !== '-') {
    const match = /:\s*([^;:]+);\s*charset=(\S+)$/.exec(answer);
    return match ? { mimetype: match[1]!.trim(), charset: match[2]! } : { mimetype: 'unknown', charset: 'unknown' };
  }
  return fileTypeGuess(state, sample);
}

function statResult(state: PathState, rights: string): Record<string, unknown> {
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
    readable: rights.includes('r'),
    writeable: rights.includes('w'),
    executable: rights.includes('x'),
  };
  // stat prints UNKNOWN for an id the target's databases do not name: Ansible then leaves the key out.
  if (state.owner !== 'UNKNOWN') result['pw_name'] = state.owner;
  if (state.group !== 'UNKNOWN') result['gr_name'] = state.group;
  if (state.type === 'link') Object.assign(result, { lnk_source: state.realPath, lnk_target: state.linkTarget });
  return result;
}
