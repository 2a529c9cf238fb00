import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { wholeIfSmall } from '../connections/smallInput.js';

/** A stream of `chunks`, one at a time, then `error` (if any) instead of its end. */
function chunked(chunks: Buffer[], error?: Error): Readable {
  let next = 0;
  return new Readable({
    read() {
      setImmediate(() => {
        if (next < chunks.length) this.push(chunks[next++]);
        else if (error) this.destroy(error);
        else this.push(null);
      });
    },
  });
}

test('a stream that ends within the limit is read whole into one Buffer', async () => {
  const parts = [randomBytes(1000), randomBytes(24), Buffer.alloc(0), randomBytes(3000)];
  const result = await wholeIfSmall(chunked(parts), 4024);
  assert.ok(Buffer.isBuffer(result));
  assert.deepEqual(result, Buffer.concat(parts));
});

test('a stream past the limit goes on as a stream with every byte, those read ahead first', async () => {
  const parts = Array.from({ length: 20 }, () => randomBytes(1000));
  const result = await wholeIfSmall(chunked(parts), 4096);
  assert.ok(result instanceof Readable);
  assert.deepEqual(await buffer(result), Buffer.concat(parts));
});

test('a stream that fails before the limit gives a stream that fails the same way when read', async () => {
  const result = await wholeIfSmall(chunked([randomBytes(10)], new Error('disk read error')), 4096);
  assert.ok(result instanceof Readable);
  await assert.rejects(buffer(result), /disk read error/);
});

test('a stream that fails after the limit, before or while it is read, fails its continuation', async () => {
  const parts = Array.from({ length: 5 }, () => randomBytes(1000));
  const early = await wholeIfSmall(chunked(parts, new Error('late failure')), 1500);
  // Not read for a while: the failure comes meanwhile and must not be an unhandled error.
  await new Promise((resolve) => setTimeout(resolve, 50));
  await assert.rejects(buffer(early as Readable), /late failure/);
  const read = await wholeIfSmall(chunked(parts, new Error('late failure')), 1500);
  await assert.rejects(buffer(read as Readable), /late failure/);
});
