// Worker entry of `ViewCutPool`: cuts augmented views out of frames (crop, bilinear resize,
// mirror) off the thread that streams the batches,
// as float32 network input (normalised when asked), written into shared memory in place.
import { parentPort } from 'node:worker_threads';
import type { ImageView } from '@graft/core';
import type { ChannelTransform } from '../pipeline/crop-resize-into.js';
import { type CutViewOptions, cutViewInto } from './cut-view.js';

/** One cut asked of the thread. */
export interface ViewCutRequest {
  id: number;
  frame: Uint8Array;
  view: ImageView;
  options: CutViewOptions;
  /** Normalisation applied while cutting, or none (values in [0, 255]). */
  transform: ChannelTransform | undefined;
  /** Where the view goes: a slot on shared memory, written in place (nothing is sent back). */
  target: Float32Array;
}

/** The thread's answer: the view's pixels, or why not. */
export type ViewCutReply = { id: number; done: true } | { id: number; message: string };

const port = parentPort;
if (port === null) throw new Error('view-cut-thread runs in a worker thread');
port.on('message', (request: ViewCutRequest) => {
  try {
    cutViewInto(request.frame, request.view, request.options, request.target, 0, request.transform);
    port.postMessage({ id: request.id, done: true } satisfies ViewCutReply);
  } catch (error) {
    port.postMessage({
      id: request.id,
      message: error instanceof Error ? error.message : String(error),
    } satisfies ViewCutReply);
  }
});
