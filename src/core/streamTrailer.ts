import { PassThrough, type Readable } from 'node:stream';

/**
 * `source`, then `trailer` once it ended well; a failing source passes its error on, without the trailer.
 * A transfer's receiving script checks for the trailer before it renames anything over a destination: a
 * SIGKILLed playtree's end of the pipe closes too, and the receiver would otherwise take the part that
 * arrived for the whole content.
 */
export function withTrailer(source: Readable, trailer: string): Readable {
  const framed = new PassThrough();
  source.once('error', (error: Error) => framed.destroy(error));
  source.once('end', () => framed.end(trailer));
  return source.pipe(framed, { end: false });
}
