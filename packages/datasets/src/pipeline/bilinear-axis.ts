/** Where each output sample of one axis reads the source (see {@link bilinearAxis}). */
export interface BilinearAxis {
  /** The nearer-below source index of each output index. */
  near: Int32Array;
  /** The source index after it (the last index at the edge). */
  far: Int32Array;
  /** `far`'s weight in 1/256ths (`near` gets `256 - weight`). */
  weight: Int32Array;
}

/**
 * The bilinear sampling plan of one axis of `length` source pixels resized to `outputLength`
 * (pixel centres aligned, clamped at the edges), with the weights in the 1/256ths fixed point
 * every view kernel uses: `cropResizeRgb`, `cropResizeInto` and its SIMD twin share it, so their
 * outputs agree bit for bit.
 */
export function bilinearAxis(length: number, outputLength: number): BilinearAxis {
  const near = new Int32Array(outputLength);
  const far = new Int32Array(outputLength);
  const weight = new Int32Array(outputLength);
  const scale = length / outputLength;
  for (let index = 0; index < outputLength; index++) {
    const source = Math.min(Math.max((index + 0.5) * scale - 0.5, 0), length - 1);
    const lower = Math.floor(source);
    near[index] = lower;
    far[index] = Math.min(lower + 1, length - 1);
    weight[index] = Math.round((source - lower) * 256);
  }
  return { near, far, weight };
}
