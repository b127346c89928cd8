// Worker entry of `ViewCutPool`: cuts augmented views out of frames (crop, bilinear resize,
// mirror) off the thread that streams the batches,
// as float32 network input (normalised when asked), moved back with no copy.
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
}

/** The thread's answer: the view's pixels, or why not. */
export type ViewCutReply = { id: number; pixels: Float32Array } | { id: number; message: string };

const port = parentPort;
if (port === null) throw new Error('view-cut-thread runs in a worker thread');
port.on('message', (request: ViewCutRequest) => {
  try {
    const [height, width] = request.options.outputSize;
    const pixels = new Float32Array(height * width * 3);
    cutViewInto(request.frame, request.view, request.options, pixels, 0, request.transform);
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
