import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ModuleError } from '../src/core/errors.js';
import { removeAtExit } from '../src/core/exitCleanup.js';
import { newFileMode } from '../src/core/umask.js';
import type { ModuleContext, ModuleDefinition } from './module.js';
import { hashLocalFile, readPathState } from './remoteFile.js';

/**
 * ansible.builtin.fetch: src (on the target), dest (on the controller, relative to the playbook folder),
 * flat, fail_on_missing, validate_checksum. One command reads the remote sha1; the file is streamed only
 * when it differs from the controller's copy, into a temporary file that is renamed into place.
 */
export const fetchModule: ModuleDefinition = {
  name: 'fetch',
  args: {
    src: { type: 'str', required: true },
    dest: { type: 'str', required: true },
    flat: { type: 'bool', default: false },
    fail_on_missing: { type: 'bool', default: true },
    validate_checksum: { type: 'bool', default: true },
  },
  async run(ctx) {
    const src = ctx.args['src'] as string;
    const dest = localDestination(ctx, src);
    const remote = await readPathState(ctx.target, src, { follow: true, checksum: 'sha1' });
    if (!remote.exists) {
      if (ctx.args['fail_on_missing']) return { changed: false, failed: true, msg: 'the remote file does not exist', file: src };
      return { changed: false, msg: 'the remote file does not exist, not transferring, ignored', file: src };
    }
    if (remote.type === 'directory') return { changed: false, failed: true, msg: 'remote file is a directory, fetch cannot work on directories', file: src };
    const local = await hashLocalFile(dest).catch(() => undefined);
    if (local && local.checksum === remote.checksum) return { changed: false, md5sum: local.md5, file: src, dest, checksum: local.checksum };
    if (ctx.check) return { changed: true, dest, remote_checksum: remote.checksum, remote_md5sum: null };
    const fetched = await download(ctx, src, dest);
    if (ctx.args['validate_checksum'] && fetched.sha1 !== remote.checksum) {
      return { changed: false, failed: true, msg: 'checksum mismatch', file: src, dest, checksum: fetched.sha1, remote_checksum: remote.checksum };
    }
    return { changed: true, md5sum: fetched.md5, dest, remote_md5sum: null, checksum: fetched.sha1, remote_checksum: remote.checksum };
  },
};

/** Ansible's naming: flat puts the file at dest (or dest/<basename> for a folder), else dest/<host>/<src>. */
function localDestination(ctx: ModuleContext, src: string): string {
  const given = ctx.args['dest'] as string;
  const base = isAbsolute(given) ? given : join(ctx.controller.playbookDir, given);
  if (ctx.args['flat']) return given.endsWith('/') ? join(base, basename(src)) : base;
  if (src.split('/').includes('..')) throw new ModuleError(`fetch: src ${src} must not contain '..' when flat is false`);
  return normalize(join(base, ctx.host, src));
}

/** Stream the target file into a temporary file beside dest, hashing on the way, then rename it. */
async function download(ctx: ModuleContext, src: string, dest: string): Promise<{ sha1: string; md5: string }> {
  await mkdir(dirname(dest), { recursive: true });
  const temporary = join(dirname(dest), `.${basename(dest)}.playtree-${randomBytes(4).toString('hex')}`);
  const sha1 = createHash('sha1');
  const md5 = createHash('md5');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sha1.update(chunk);
      md5.update(chunk);
      done(null, chunk);
    },
  });
  // Created 0600 (the file may hold a secret of the target), given a new file's usual mode once complete.
  // A failing local write (a full disk) destroys `hashing`, which stops the command on the target: the
  // transfer ends there instead of waiting forever for a sink that no longer reads.
  const forget = removeAtExit(temporary);
  const written = pipeline(hashing, createWriteStream(temporary, { flags: 'wx', mode: 0o600 }));
  try {
    await Promise.all([ctx.target.fetch(src, hashing), written]);
    await chmod(temporary, newFileMode());
    await rename(temporary, dest);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new ModuleError(`fetch: could not copy ${src} to ${dest}: ${(error as Error).message}`);
  } finally {
    forget();
  }
  return { sha1: sha1.digest('hex'), md5: md5.digest('hex') };
}
