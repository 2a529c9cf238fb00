import { readFile } from 'node:fs/promises';
import type { FileDiff } from './module.js';
import { MAX_DIFF_SIZE, type PathState } from './remoteFile.js';

/*
 * The diff copy and template show for new content: Ansible's copy action's, skipped (with its markers) for
 * big or binary files.
 */

/** What contentDiff needs of the write request: the label and where the new bytes are. */
export interface DiffSource {
  label: string;
  data?: Buffer;
  file?: string;
}

function isBinary(data: Buffer): boolean {
  return data.subarray(0, 8192).includes(0);
}

/** Ansible's copy/template diff; skipped (with Ansible's markers) for big or binary files. */
export async function contentDiff(request: DiffSource, current: PathState, dest: string, sourceSize: number, remote?: PathState): Promise<FileDiff> {
  // As Ansible's action: dest is named (before_header) only when its text was read.
  const diff: FileDiff & Record<string, unknown> = { before: '', after: '', after_header: request.label };
  if (current.exists) {
    if (!current.content) diff['dst_larger'] = MAX_DIFF_SIZE;
    else if (isBinary(current.content)) diff['dst_binary'] = 1;
    else Object.assign(diff, { before_header: dest, before: current.content.toString() });
  }
  if (sourceSize > MAX_DIFF_SIZE) diff['src_larger'] = MAX_DIFF_SIZE;
  else {
    const after = remote ? (remote.content ?? Buffer.alloc(0)) : (request.data ?? (await readFile(request.file!)));
    if (isBinary(after)) diff['src_binary'] = 1;
    else diff.after = after.toString();
  }
  return diff;
}
