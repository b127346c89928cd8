import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { integer, knownFields, probability, range } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';

/** Options of {@link gaussianBlur}. */
export interface GaussianBlurOptions {
  /** Odd kernel width in pixels. Default 9. */
  kernelSize?: number;
  /** Range of the standard deviation in pixels. Default `[0.1, 2]` (torchvision). */
  sigma?: number | [number, number];
  /** Chance per image. Default 1. */
  probability?: number;
}

const name = 'gaussianBlur';

/**
 * Blurs each image with its own sigma. Per-image kernels are applied with one separable
 * depthwise convolution over the batch folded into channels (`[1, H, W, N*3]`), so images
 * with different sigmas still take two conv calls in total. Borders are mirror-padded.
 */
export function gaussianBlur(options: GaussianBlurOptions = {}): ImageOp {
  knownFields(name, options as never, ['kernelSize', 'sigma', 'probability']);
  const kernelSize = integer(`${name}.kernelSize`, options.kernelSize ?? 9, 1, 255);
  if (kernelSize % 2 === 0) {
    throw new InvalidArgumentError({
      argument: `${name}.kernelSize`,
      value: kernelSize,
      expected: 'must be odd',
    });
  }
  const sigma = range(`${name}.sigma`, options.sigma ?? [0.1, 2], {
    lower: Number.MIN_VALUE,
    symmetric: (value) => [value, value],
  });
  const chance = probability(`${name}.probability`, options.probability ?? 1);
  return defineImageOp({
    name,
    options: { kernelSize, sigma, probability: chance },
    run({ images, random }) {
      const [count, height, width] = images.shape;
      const half = (kernelSize - 1) / 2;
      if (half >= Math.min(height, width)) {
        throw new InvalidArgumentError({
          argument: `${name}.kernelSize`,
          value: kernelSize,
          expected: `must be smaller than twice the image size (${height}x${width})`,
        });
      }
      const kernels = Array.from({ length: count }, () => {
        const blur = random.bernoulli(chance);
        const deviation = random.uniform(sigma[0], sigma[1]);
        return blur ? gaussianKernel(kernelSize, deviation) : deltaKernel(kernelSize);
      });
      // [N, H, W, 3] → [1, H, W, N*3]: channel n*3+c holds image n, colour c.
      const folded = tf.reshape(tf.transpose(images, [1, 2, 0, 3]), [
        1,
        height,
        width,
        count * 3,
      ]) as tf.Tensor4D;
      const weights = kernels.flatMap((kernel) => [kernel, kernel, kernel]);
      // Filter [k, 1, N*3, 1] (vertical) and [1, k, N*3, 1] (horizontal).
      const column = Array.from({ length: kernelSize }, (_, tap) =>
        weights.map((kernel) => kernel[tap] ?? 0),
      );
      const vertical = tf.tensor4d(column.flat(), [kernelSize, 1, count * 3, 1]);
      const horizontal = tf.reshape(vertical, [1, kernelSize, count * 3, 1]) as tf.Tensor4D;
      const padded = tf.mirrorPad(
        folded,
        [
          [0, 0],
          [half, half],
          [half, half],
          [0, 0],
        ],
        'reflect',
      );
      const blurred = tf.depthwiseConv2d(
        tf.depthwiseConv2d(padded, vertical, 1, 'valid'),
        horizontal,
        1,
        'valid',
      );
      return {
        images: tf.transpose(tf.reshape(blurred, [height, width, count, 3]), [2, 0, 1, 3]),
      };
    },
  });
}

function gaussianKernel(size: number, sigma: number): number[] {
  const half = (size - 1) / 2;
  const values = Array.from({ length: size }, (_, index) =>
    Math.exp(-((index - half) ** 2) / (2 * sigma * sigma)),
  );
  const total = values.reduce((sum, value) => sum + value, 0);
  return values.map((value) => value / total);
}

function deltaKernel(size: number): number[] {
  return Array.from({ length: size }, (_, index) => (index === (size - 1) / 2 ? 1 : 0));
}

export const gaussianBlurDescriptor: ImageOpDescriptor = {
  name,
  description: 'gaussian blur with a random sigma',
  create: (options) => gaussianBlur(options as GaussianBlurOptions),
};
