import { normalizePixels, type Preprocessing } from '@graft/core/images';
import type { SessionOutput } from './run-in-micro-batches.js';

/**
 * `run` (an inference on float32 network input) made to take RGB bytes: each call's bytes are
 * normalized for `preprocessing` (`normalizePixels`, the values `normalizeImages` gives) into
 * one buffer reused from call to call, so a batch run a few images at a time allocates it once.
 * Calls must not overlap (each inference completes before the next starts).
 */
export function normalizingRun(
  run: (pixels: Float32Array, shape: readonly number[]) => Promise<SessionOutput>,
  preprocessing: Preprocessing,
): (pixels: Uint8Array, shape: readonly number[]) => Promise<SessionOutput> {
  let input = new Float32Array(0);
  return (pixels, shape) => {
    if (input.length < pixels.length) input = new Float32Array(pixels.length);
    return run(normalizePixels(pixels, preprocessing, input.subarray(0, pixels.length)), shape);
  };
}
