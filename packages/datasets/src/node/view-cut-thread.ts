// Worker entry of `ViewCutPool`: cuts augmented views out of frames (crop, bilinear resize,
// mirror) off the thread that streams the batches.
import { parentPort } from 'node:worker_threads';
import type { ImageView } from '@graft/core';
import { type CutViewOptions, cutView } from './cut-view.js';

/** One cut asked of the thread. */
export interface ViewCutRequest {
  id: number;
  frame: Uint8Array;
  view: ImageView;
  options: CutViewOptions;
}

/** The thread's answer: the view's pixels, or why not. */
export type ViewCutReply = { id: number; pixels: Uint8Array } | { id: number; message: string };

const port = parentPort;
if (port === null) throw new Error('view-cut-thread runs in a worker thread');
port.on('message', (request: ViewCutRequest) => {
  try {
    const pixels = cutView(request.frame, request.view, request.options);
    port.postMessage({ id: request.id, pixels } satisfies ViewCutReply, [
      pixels.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    port.postMessage({
      id: request.id,
      message: error instanceof Error ? error.message : String(error),
    } satisfies ViewCutReply);
  }
});
