// Worker entry of `ViewCutPool`: cuts augmented views out of frames (crop, bilinear resize,
// mirror) off the thread that streams the batches, as float32 network input (normalised when
// asked), written into shared memory in place; and, for an image the pixel cache does not hold,
// also reads and decodes its frame here first.
import { parentPort } from 'node:worker_threads';
import type { ImageView } from '@graft/core';
import { ownedArray } from '@graft/core/threads';
import type { ChannelTransform } from '../pipeline/crop-resize-into.js';
import { contentKey } from './content-key.js';
import { type CutViewOptions, cutViewInto } from './cut-view.js';
import { decodeFrame, type FrameTarget } from './decode-view.js';
import { readImageBytes } from './read-image-bytes.js';

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

/** A file to read, decode into its frame and cut, in the thread. */
export interface ViewLoadRequest extends Omit<ViewCutRequest, 'frame'> {
  /** The image file. */
  path: string;
  /** Where its frame comes from (`decodeFrame`'s target). */
  frameTarget: FrameTarget;
}

/** The thread's answer: done (with the frame and content key of a load), or why not. */
export type ViewCutReply =
  | { id: number; done: true; frame?: Uint8Array; key?: string }
  | { id: number; message: string };

const port = parentPort;
if (port === null) throw new Error('view-cut-thread runs in a worker thread');

async function answer(request: ViewCutRequest | ViewLoadRequest): Promise<void> {
  try {
    if ('path' in request) {
      const bytes = await readImageBytes(request.path);
      const key = contentKey(bytes);
      const frame = await decodeFrame(bytes, request.path, request.frameTarget);
      cutViewInto(frame, request.view, request.options, request.target, 0, request.transform);
      // The frame goes back for the pixel cache: moved, not copied, when it owns its buffer.
      const sent = ownedArray(frame);
      port?.postMessage({ id: request.id, done: true, frame: sent, key } satisfies ViewCutReply, [
        sent.buffer as ArrayBuffer,
      ]);
      return;
    }
    cutViewInto(request.frame, request.view, request.options, request.target, 0, request.transform);
    port?.postMessage({ id: request.id, done: true } satisfies ViewCutReply);
  } catch (error) {
    port?.postMessage({
      id: request.id,
      message: error instanceof Error ? error.message : String(error),
    } satisfies ViewCutReply);
  }
}

port.on('message', (request: ViewCutRequest | ViewLoadRequest) => {
  void answer(request);
});
