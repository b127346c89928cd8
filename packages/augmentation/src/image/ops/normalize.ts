import * as tf from '@tensorflow/tfjs-core';
import { knownFields, range, triple } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';

/** Options of {@link normalize}: `((pixel / 255) * (high - low) + low - mean) / std`. */
export interface NormalizeOptions {
  /** Where [0, 255] is mapped first. Default `[0, 1]`; `[-1, 1]` is what MobileNetV2 expects. */
  range?: [number, number];
  /** Per-channel mean subtracted after the range mapping. Default 0. */
  mean?: number | [number, number, number];
  /** Per-channel standard deviation divided by. Default 1. */
  std?: number | [number, number, number];
}

const name = 'normalize';

/**
 * Maps pixels to network input. Deterministic; put it last: ops after it would see values
 * outside [0, 255]. ImageNet (torchvision): `{ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }`;
 * MobileNetV2 / Teachable Machine: `{ range: [-1, 1] }`.
 */
export function normalize(options: NormalizeOptions = {}): ImageOp {
  knownFields(name, options as never, ['range', 'mean', 'std']);
  const target = range(`${name}.range`, options.range ?? [0, 1]);
  const mean = triple(`${name}.mean`, options.mean ?? 0);
  const std = triple(`${name}.std`, options.std ?? 1, (value) => value > 0, '> 0');
  return defineImageOp({
    name,
    options: { range: target, mean, std },
    run({ images }) {
      const scale = (target[1] - target[0]) / 255;
      const multipliers = std.map((deviation) => scale / deviation);
      const offsets = mean.map((average, channel) => (target[0] - average) / (std[channel] ?? 1));
      const uniform = (values: number[]) => values.every((value) => value === values[0]);
      if (uniform(multipliers) && uniform(offsets)) {
        return { images: tf.add(tf.mul(images, multipliers[0] ?? 1), offsets[0] ?? 0) };
      }
      // Per-channel multiply-add as one matMul, [pixel, 1] · [diag(multipliers); offsets]:
      // broadcasting a [3] vector over a batch is slow on wasm.
      const weights = [0, 1, 2].map((row) =>
        [0, 1, 2].map((column) => (row === column ? (multipliers[column] ?? 1) : 0)),
      );
      const withOnes = tf.pad(
        tf.reshape(images, [-1, 3]),
        [
          [0, 0],
          [0, 1],
        ],
        1,
      );
      const mapped = tf.matMul(withOnes, tf.tensor2d([...weights, offsets], [4, 3]));
      return { images: tf.reshape(mapped, images.shape) };
    },
  });
}

export const normalizeDescriptor: ImageOpDescriptor = {
  name,
  description: 'map pixels to network input (range, mean, std); put last',
  create: (options) => normalize(options as NormalizeOptions),
};
