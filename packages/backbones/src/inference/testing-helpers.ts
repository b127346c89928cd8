import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Differences between two models' outputs on `input` (test helper). */
export interface OutputDifference {
  /** Largest |folded − original|. */
  maxAbsolute: number;
  /** Largest |folded − original| / |original| over values with |original| > 1e-2·scale. */
  maxRelative: number;
  /** Largest |original|. */
  scale: number;
}

/** Runs both models in inference mode on `input` and compares their outputs. */
export function compareOutputs(
  original: tfl.LayersModel,
  folded: tfl.LayersModel,
  input: tf.Tensor,
): OutputDifference {
  const [expected, actual] = tf.tidy(() => [
    (original.predict(input) as tf.Tensor).dataSync(),
    (folded.predict(input) as tf.Tensor).dataSync(),
  ]);
  if (expected === undefined || actual === undefined || expected.length !== actual.length) {
    throw new Error('outputs differ in size');
  }
  let scale = 0;
  for (const value of expected) scale = Math.max(scale, Math.abs(value));
  let maxAbsolute = 0;
  let maxRelative = 0;
  for (let index = 0; index < expected.length; index++) {
    const reference = expected[index] as number;
    const difference = Math.abs((actual[index] as number) - reference);
    if (!(difference <= maxAbsolute)) maxAbsolute = difference;
    if (Math.abs(reference) > 1e-2 * scale) {
      maxRelative = Math.max(maxRelative, difference / Math.abs(reference));
    }
  }
  return { maxAbsolute, maxRelative, scale };
}

/** How many times each kernel runs in one `predict` of `model` on `input`. */
export async function kernelCensus(
  model: tfl.LayersModel,
  input: tf.Tensor,
): Promise<Record<string, number>> {
  const profile = await tf.profile(() => {
    tf.tidy(() => {
      model.predict(input);
    });
  });
  const census: Record<string, number> = {};
  for (const kernel of profile.kernels) census[kernel.name] = (census[kernel.name] ?? 0) + 1;
  return census;
}
