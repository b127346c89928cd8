import { knownFields, probability, range } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import { jitterColors } from '../functional/color.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';

/** Options of {@link colorJitter}; a number `x` means the factor range `[max(0, 1 - x), 1 + x]`. */
export interface ColorJitterOptions {
  /** Brightness factor range. Default 0 (unchanged). */
  brightness?: number | [number, number];
  /** Contrast factor range. Default 0. */
  contrast?: number | [number, number];
  /** Saturation factor range. Default 0. */
  saturation?: number | [number, number];
  /** Hue shift range in turns, within [-0.5, 0.5]; `x` means `[-x, x]`. Default 0. */
  hue?: number | [number, number];
  /** Chance that an image is jittered at all. Default 1. */
  probability?: number;
}

const name = 'colorJitter';
const factorRange = (value: number): [number, number] => [Math.max(0, 1 - value), 1 + value];

/**
 * Random brightness, contrast, saturation and hue per image, as torchvision's `ColorJitter`
 * but in a fixed order (brightness, contrast, saturation, hue), fused into one affine colour
 * map per image (one batched matMul) and clipped to [0, 255] once at the end.
 */
export function colorJitter(options: ColorJitterOptions = {}): ImageOp {
  knownFields(name, options as never, [
    'brightness',
    'contrast',
    'saturation',
    'hue',
    'probability',
  ]);
  const nonNegative = (field: string, value: number | [number, number] | undefined) => {
    if (typeof value === 'number' && value < 0) range(`${name}.${field}`, value, {});
    return range(`${name}.${field}`, value ?? 0, { lower: 0, symmetric: factorRange });
  };
  const brightness = nonNegative('brightness', options.brightness);
  const contrast = nonNegative('contrast', options.contrast);
  const saturation = nonNegative('saturation', options.saturation);
  const hue = range(`${name}.hue`, options.hue ?? 0, {
    lower: -0.5,
    upper: 0.5,
    symmetric: (value) => [-value, value],
  });
  const chance = probability(`${name}.probability`, options.probability ?? 1);
  const isIdentity = (pair: [number, number], neutral: number) =>
    pair[0] === neutral && pair[1] === neutral;
  return defineImageOp({
    name,
    options: { brightness, contrast, saturation, hue, probability: chance },
    run({ images, random }) {
      const count = images.shape[0];
      const draws = Array.from({ length: count }, () => {
        const apply = random.bernoulli(chance);
        const draw = (pair: [number, number], neutral: number) => {
          const value = random.uniform(pair[0], pair[1]);
          return apply ? value : neutral;
        };
        return {
          brightness: draw(brightness, 1),
          contrast: draw(contrast, 1),
          saturation: draw(saturation, 1),
          hue: draw(hue, 0),
        };
      });
      const identity =
        isIdentity(brightness, 1) &&
        isIdentity(contrast, 1) &&
        isIdentity(saturation, 1) &&
        isIdentity(hue, 0);
      const output = identity ? images : jitterColors(images, draws);
      return { images: output };
    },
  });
}

export const colorJitterDescriptor: ImageOpDescriptor = {
  name,
  description: 'random brightness, contrast, saturation and hue',
  create: (options) => colorJitter(options as ColorJitterOptions),
};
