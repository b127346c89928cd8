import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { finiteNumber, integer, knownFields, oneOf } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import { type AffineParameters, affineMatrix, warpAffine } from '../functional/affine.js';
import {
  adjustBrightness,
  adjustContrast,
  adjustSaturation,
  adjustSharpness,
  autoContrast,
  posterize,
  solarize,
} from '../functional/color.js';
import { takeImages } from '../functional/take-images.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';

/** The transformations RandAugment picks from (torchvision's list, without `equalize`). */
export type RandAugmentTransform =
  | 'identity'
  | 'shearX'
  | 'shearY'
  | 'translateX'
  | 'translateY'
  | 'rotate'
  | 'brightness'
  | 'color'
  | 'contrast'
  | 'sharpness'
  | 'posterize'
  | 'solarize'
  | 'autoContrast';

export const randAugmentTransforms: readonly RandAugmentTransform[] = [
  'identity',
  'shearX',
  'shearY',
  'translateX',
  'translateY',
  'rotate',
  'brightness',
  'color',
  'contrast',
  'sharpness',
  'posterize',
  'solarize',
  'autoContrast',
];

/** Options of {@link randAugment}. */
export interface RandAugmentOptions {
  /** Transformations applied in sequence to each image. Default 2. */
  numOps?: number;
  /** Strength, from 0 to `magnitudeBins - 1`. Default 9. */
  magnitude?: number;
  /** Number of magnitude steps. Default 31 (torchvision). */
  magnitudeBins?: number;
  /** The transformations to pick from. Default all of {@link randAugmentTransforms}. */
  transforms?: RandAugmentTransform[];
  /** Pixel value where geometric transformations uncover the image. Default 0. */
  fillValue?: number;
}

const name = 'randAugment';

/**
 * RandAugment (Cubuk et al. 2020) as torchvision implements it: for each image, `numOps`
 * transformations drawn uniformly, each at `magnitude` with a random sign. Batched by grouping
 * the images that drew the same transformation: gather, transform with per-image values,
 * then put back in order.
 */
export function randAugment(options: RandAugmentOptions = {}): ImageOp {
  knownFields(name, options as never, [
    'numOps',
    'magnitude',
    'magnitudeBins',
    'transforms',
    'fillValue',
  ]);
  const numOps = integer(`${name}.numOps`, options.numOps ?? 2, 0, 16);
  const magnitudeBins = integer(`${name}.magnitudeBins`, options.magnitudeBins ?? 31, 2, 1000);
  const magnitude = finiteNumber(`${name}.magnitude`, options.magnitude ?? 9);
  if (magnitude < 0 || magnitude > magnitudeBins - 1) {
    throw new InvalidArgumentError({
      argument: `${name}.magnitude`,
      value: magnitude,
      expected: `must be in [0, magnitudeBins - 1 = ${magnitudeBins - 1}]`,
    });
  }
  const transforms = options.transforms ?? [...randAugmentTransforms];
  if (!Array.isArray(transforms) || transforms.length === 0) {
    throw new InvalidArgumentError({
      argument: `${name}.transforms`,
      value: transforms,
      expected: `must be a non-empty list of: ${randAugmentTransforms.join(', ')}`,
    });
  }
  transforms.forEach((transform, index) => {
    oneOf(`${name}.transforms[${index}]`, transform, randAugmentTransforms);
  });
  const fillValue = finiteNumber(`${name}.fillValue`, options.fillValue ?? 0);
  const level = magnitude / (magnitudeBins - 1);
  return defineImageOp({
    name,
    options: { numOps, magnitude, magnitudeBins, transforms: [...transforms], fillValue },
    run({ images, random }) {
      const count = images.shape[0];
      let output = images;
      for (let step = 0; step < numOps; step++) {
        const picks = Array.from({ length: count }, () => ({
          transform: transforms[random.int(0, transforms.length - 1)] as RandAugmentTransform,
          sign: random.bernoulli(0.5) ? -1 : 1,
        }));
        const groups = new Map<RandAugmentTransform, number[]>();
        picks.forEach((pick, index) => {
          const members = groups.get(pick.transform) ?? [];
          members.push(index);
          groups.set(pick.transform, members);
        });
        const order: number[] = [];
        const parts: tf.Tensor4D[] = [];
        for (const [transform, members] of groups) {
          const subset = members.length === count ? output : takeImages(output, members);
          const signs = members.map((member) => picks[member]?.sign ?? 1);
          parts.push(applyTransform(transform, subset, signs, level, fillValue));
          order.push(...members);
        }
        if (parts.length === 1) {
          output = parts[0] as tf.Tensor4D;
        } else {
          // Position of each original image in the concatenation.
          const inverse = new Array<number>(count);
          order.forEach((original, position) => {
            inverse[original] = position;
          });
          output = takeImages(tf.concat(parts, 0), inverse);
        }
      }
      return { images: output };
    },
  });
}

function applyTransform(
  transform: RandAugmentTransform,
  images: tf.Tensor4D,
  signs: number[],
  level: number,
  fillValue: number,
): tf.Tensor4D {
  const [, height, width] = images.shape;
  const warp = (parameters: (sign: number) => AffineParameters) =>
    warpAffine(
      images,
      signs.map((sign) => affineMatrix(parameters(sign), height, width)),
      { fillMode: 'constant', fillValue, interpolation: 'nearest' },
    );
  const factors = signs.map((sign) => 1 + 0.9 * level * sign);
  switch (transform) {
    case 'identity':
      return images;
    case 'shearX':
      return warp((sign) => ({ shearX: 0.3 * level * sign }));
    case 'shearY':
      return warp((sign) => ({ shearY: 0.3 * level * sign }));
    case 'translateX':
      return warp((sign) => ({ translateX: (150 / 331) * level * width * sign }));
    case 'translateY':
      return warp((sign) => ({ translateY: (150 / 331) * level * height * sign }));
    case 'rotate':
      return warp((sign) => ({ degrees: 30 * level * sign }));
    case 'brightness':
      return adjustBrightness(images, factors);
    case 'color':
      return adjustSaturation(images, factors);
    case 'contrast':
      return adjustContrast(images, factors);
    case 'sharpness':
      return adjustSharpness(images, factors);
    case 'posterize':
      return posterize(
        images,
        signs.map(() => 8 - Math.round(4 * level)),
      );
    case 'solarize':
      return solarize(
        images,
        signs.map(() => 255 * (1 - level)),
      );
    case 'autoContrast':
      return autoContrast(images);
  }
}

export const randAugmentDescriptor: ImageOpDescriptor = {
  name,
  description: 'RandAugment: N random transformations at magnitude M',
  create: (options) => randAugment(options as RandAugmentOptions),
};
