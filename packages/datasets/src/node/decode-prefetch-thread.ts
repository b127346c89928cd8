// Worker entry of `DecodePrefetch`: reads, hashes, decodes and resizes image files (the same
// `decodePixels`, `resizeDecoded` and `contentKey` as `FileImageDataset`) off the thread that
// will consume them. Files may be sent before their resize target is known (a program that is
// still loading): they are decoded and kept, up to a bound, until the target message arrives.
import { parentPort } from 'node:worker_threads';
import { ownedArray } from '@graft/core/threads';
import type { DecodeLimits } from '../decoders/pixel-limit.js';
import { contentKey } from './content-key.js';
import type { ResizeTarget } from './decode-image.js';
import { decodePixels, resizeDecoded } from './decode-image.js';
import { readImageBytes } from './read-image-bytes.js';

/** One file asked of the thread: with its target, or with the decode limits until the target comes. */
export interface DecodePrefetchRequest {
  id: number;
  path: string;
  target?: ResizeTarget;
  limits?: DecodeLimits;
}

/** The target of every file sent without one (sent once). */
export interface DecodePrefetchTargetMessage {
  target: ResizeTarget;
}

/** The thread's answer: the file's resized pixels and content key, or why not. */
export type DecodePrefetchReply =
  | { id: number; pixels: Uint8Array; key: string }
  | { id: number; message: string };

const port = parentPort;
if (port === null) throw new Error('decode-prefetch-thread runs in a worker thread');
// Two files in flight: one decodes on libvips's threads while the other is resized here.
const inFlight = 2;
// Decoded files kept while the target is unknown (~0.5 MB each for a photo of ~500x375).
const heldLimit = 48;
const queue: DecodePrefetchRequest[] = [];
let running = 0;
let held = 0;
let target: ResizeTarget | undefined;
let targetKnown: (value: ResizeTarget) => void = () => {};
const targetArrived = new Promise<ResizeTarget>((resolve) => {
  targetKnown = resolve;
});

const next = (): void => {
  while (running < inFlight && held < heldLimit && queue.length > 0) {
    const request = queue.shift() as DecodePrefetchRequest;
    running++;
    let released = false;
    // Frees the decode slot: when the file is done, or while it waits for the target.
    const release = () => {
      if (released) return;
      released = true;
      running--;
      next();
    };
    decode(request, release).finally(release);
  }
};

async function decode(request: DecodePrefetchRequest, release: () => void): Promise<void> {
  try {
    const bytes = await readImageBytes(request.path);
    const key = contentKey(bytes);
    const image = await decodePixels(bytes, request.path, request.target ?? request.limits);
    let resizeTo = request.target ?? target;
    if (resizeTo === undefined) {
      held++;
      release();
      resizeTo = await targetArrived;
      held--;
      next();
    }
    const decoded = await resizeDecoded(image, request.path, resizeTo);
    // A view into a larger buffer (an image already at size) is copied so it can move.
    const pixels = ownedArray(decoded);
    port?.postMessage({ id: request.id, pixels, key } satisfies DecodePrefetchReply, [
      pixels.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    port?.postMessage({
      id: request.id,
      message: error instanceof Error ? error.message : String(error),
    } satisfies DecodePrefetchReply);
  }
}

port.on('message', (message: DecodePrefetchRequest | DecodePrefetchTargetMessage) => {
  if ('path' in message) {
    queue.push(message);
  } else {
    target = message.target;
    targetKnown(message.target);
  }
  next();
});
