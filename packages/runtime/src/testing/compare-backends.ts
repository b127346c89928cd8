import { SeededRandom } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

/** Plain nested-free copy of a tensor: shape and values, movable between backends. */
export interface HostTensor {
  /** The tensor's shape. */
  shape: number[];
  /** The tensor's values, row-major. */
  values: Float32Array;
}

/** Copies a tensor's data out of whichever backend holds it. */
export function toHost(tensor: tf.Tensor): HostTensor {
  return { shape: [...tensor.shape], values: tensor.dataSync() as Float32Array };
}

/** Creates a tensor on the active backend from host data. */
export function fromHost(host: HostTensor): tf.Tensor {
  return tf.tensor(host.values, host.shape, 'float32');
}

/**
 * Largest relative difference between two equally shaped arrays, scaled by the larger of the
 * reference's maximum magnitude and a floor, so that entries near zero (sums that cancel) do
 * not dominate: `max |a - b| / max(max |b|, floor)`.
 */
export function maxRelativeError(actual: HostTensor, expected: HostTensor, floor = 1e-6): number {
  if (actual.shape.join(',') !== expected.shape.join(',')) {
    throw new Error(`Shapes differ: [${actual.shape}] vs [${expected.shape}]`);
  }
  let scale = floor;
  for (const value of expected.values) scale = Math.max(scale, Math.abs(value));
  let worst = 0;
  for (let index = 0; index < expected.values.length; index++) {
    const difference = Math.abs(
      (actual.values[index] ?? Number.NaN) - (expected.values[index] ?? 0),
    );
    if (!(difference <= worst))
      worst = Number.isNaN(difference) ? Number.POSITIVE_INFINITY : difference;
  }
  return worst / scale;
}

/** Uniform values in [-1, 1), reproducible from `seed`. */
export function randomValues(size: number, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  const values = new Float32Array(size);
  for (let index = 0; index < size; index++) values[index] = random.uniform(-1, 1);
  return values;
}

/** Random host tensor of `shape`. */
export function randomHost(shape: number[], seed: number): HostTensor {
  return {
    shape,
    values: randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
  };
}

/** Runs `action` in `tf.tidy` and returns its (non-tensor) result: every tensor it made is freed. */
export function tidyHost<T>(action: () => T): T {
  let result: T | undefined;
  tf.tidy(() => {
    result = action();
  });
  return result as T;
}
