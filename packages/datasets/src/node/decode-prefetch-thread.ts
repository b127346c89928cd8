// Worker entry of `DecodePrefetch`: reads, hashes, decodes and resizes image files (the same
// `decodeImage` and `contentKey` as `FileImageDataset`) off the thread that will consume them.
import { parentPort } from 'node:worker_threads';
import { contentKey } from './content-key.js';
import type { ResizeTarget } from './decode-image.js';
import { decodeImage } from './decode-image.js';
import { readImageBytes } from './read-image-bytes.js';

/** One file asked of the thread. */
export interface DecodePrefetchRequest {
  id: number;
  path: string;
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
const queue: DecodePrefetchRequest[] = [];
let running = 0;

const next = (): void => {
  while (running < inFlight && queue.length > 0) {
    const request = queue.shift() as DecodePrefetchRequest;
    running++;
    decode(request).finally(() => {
      running--;
      next();
    });
  }
};

async function decode(request: DecodePrefetchRequest): Promise<void> {
  try {
    const bytes = await readImageBytes(request.path);
    const key = contentKey(bytes);
    const decoded = await decodeImage(bytes, request.path, request.target);
    // A view into a larger buffer (an image already at size) is copied so it can move.
    const whole = decoded.byteOffset === 0 && decoded.byteLength === decoded.buffer.byteLength;
    const pixels = whole ? decoded : decoded.slice();
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

port.on('message', (request: DecodePrefetchRequest) => {
  queue.push(request);
  next();
});
