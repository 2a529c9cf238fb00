import { Readable } from 'node:stream';

/*
 * A command's stdin stream, read ahead up to a limit: a small one (a role's configuration file on its way
 * into a `copy`) can then travel whole in an ssh command session's request instead of on an ssh command of
 * its own. A bigger one goes on as a stream, nothing lost.
 */

/**
 * `stream`'s bytes as one Buffer when it ends within `limit` bytes; else a stream of the same bytes (those
 * read ahead first), which fails as `stream` fails. An error is never left without a listener.
 */
export async function wholeIfSmall(stream: Readable, limit: number): Promise<Buffer | Readable> {
  const chunks: Buffer[] = [];
  let size = 0;
  let failure: Error | undefined;
  let failed: (error: Error) => void = (error) => (failure ??= error);
  stream.on('error', (error: Error) => failed(error));
  const outcome = await new Promise<'end' | 'big' | 'failed'>((resolve) => {
    const take = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) settle('big');
    };
    const ended = () => settle('end');
    const settle = (how: 'end' | 'big' | 'failed') => {
      stream.off('data', take);
      stream.off('end', ended);
      stream.pause();
      failed = (error) => (failure ??= error);
      resolve(how);
    };
    failed = (error) => {
      failure ??= error;
      settle('failed');
    };
    stream.on('data', take);
    stream.once('end', ended);
  });
  if (outcome === 'end') return Buffer.concat(chunks);
  return continued(stream, outcome === 'failed' ? [] : chunks, () => failure, (hook) => (failed = hook));
}

/** What was read ahead, then the rest of `source`, read only when the command reads it. */
function continued(source: Readable, ahead: Buffer[], failure: () => Error | undefined, onFailure: (hook: (error: Error) => void) => void): Readable {
  let started = false;
  const rest: Readable = new Readable({
    // A command that stopped reading lets its input go: the source is released too.
    destroy(error, done) {
      source.destroy();
      done(error);
    },
    read() {
      const early = failure();
      if (early) return rest.destroy(early);
      if (started) {
        source.resume();
        return;
      }
      started = true;
      onFailure((error) => rest.destroy(error));
      for (const chunk of ahead) rest.push(chunk);
      source.on('data', (chunk: Buffer) => {
        if (!rest.push(chunk)) source.pause();
      });
      source.once('end', () => rest.push(null));
      source.resume();
    },
  });
  return rest;
}
