import { once } from 'node:events';
import type { EngineEvents } from '../engine/events.js';
import { TextRenderer } from './text.js';

export interface Renderer {
  events: EngineEvents;
  /** Wait for the renderer to finish drawing. */
  finish(): Promise<void>;
  /** Print what the renderer holds back, before other text (a --step question) goes to stdout. */
  beforePrompt?(): void;
}

/**
 * `--json` gives the JSON document; a terminal (and no -v) gets the live view; otherwise, as in CI
 * logs and pipes, the text layout of ansible-playbook.
 */
export async function chooseRenderer(options: { json: boolean; verbosity: number; diff: boolean; live?: boolean }): Promise<Renderer> {
  const streams = { out: (t: string) => void process.stdout.write(t), err: (t: string) => void process.stderr.write(t) };
  if (options.json) {
    const { JsonRenderer } = await import('./json.js');
    const json = new JsonRenderer((text) => process.stdout.write(text));
    return { events: json, finish: () => json.finish(() => once(process.stdout, 'drain').then(() => undefined)) };
  }
  // The JSON writer, jsdiff and listr2 are loaded only when used: each adds tens of milliseconds to every start.
  const text = new TextRenderer(streams, options.verbosity, options.diff ? (await import('diff')).createTwoFilesPatch : undefined);
  if (process.stdout.isTTY && options.verbosity === 0 && options.live !== false && !process.env['PLAYTREE_NO_LIVE']) {
    const { LiveRenderer } = await import('./live.js');
    const live = new LiveRenderer(text);
    return { events: live, finish: () => live.finish() };
  }
  return { events: text, finish: async () => {}, beforePrompt: () => text.flushIncludes() };
}
