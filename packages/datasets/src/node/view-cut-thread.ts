// Worker entry of `ViewCutPool`: cuts augmented views out of frames (crop, bilinear resize,
// mirror) off the thread that streams the batches, as float32 network input (normalised when
// asked), written into shared memory in place; and, for an image the pixel cache does not hold,
// also reads and decodes its frame here first.
import { closeSync, openSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { ImageView } from '@graft/core';
import { ownedArray } from '@graft/core/threads';
import type { ChannelTransform } from '../pipeline/crop-resize-into.js';
import { contentKey } from './content-key.js';
import { type CutViewOptions, cutViewInto } from './cut-view.js';
import { decodeFrame, type FrameTarget } from './decode-view.js';
import type { FrameFileSlot } from './frame-file-slot.js';
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
  /**
   * Where the thread writes the frame itself (the pixel cache file being written, at the
   * image's slot) instead of sending it back; absent: the frame is sent back.
   */
  cacheFile?: FrameFileSlot;
}

/**
 * The thread's answer: done (with the content key of a load, and its frame unless the thread
 * wrote it to `cacheFile`), or why not.
 */
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
      if (request.cacheFile) {
        // Written here: the frame never crosses to the caller's thread (no copy, no garbage).
        writeFrame(request.cacheFile, frame);
        port?.postMessage({ id: request.id, done: true, key } satisfies ViewCutReply);
        return;
      }
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

/** Writes `frame` at its slot of the (existing) cache file. */
function writeFrame(slot: FrameFileSlot, frame: Uint8Array): void {
  const descriptor = openSync(slot.path, 'r+');
  try {
    let written = 0;
    while (written < frame.length) {
      written += writeSync(
        descriptor,
        frame,
        written,
        frame.length - written,
        slot.offset + written,
      );
    }
  } finally {
    closeSync(descriptor);
  }
}

port.on('message', (request: ViewCutRequest | ViewLoadRequest) => {
  void answer(request);
});
