import { knownFields, range } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import { affineMatrix, warpAffine } from '../functional/affine.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';
import { type FillOptions, fillFields, fillOptions } from './geometry-fill.js';

/** Options of {@link randomTranslation}. */
export interface RandomTranslationOptions extends FillOptions {
  /** Vertical shift as a fraction of the height (down positive); `0.1` means `[-0.1, 0.1]`. Default 0.1. */
  height?: number | [number, number];
  /** Horizontal shift as a fraction of the width (right positive). Default 0.1. */
  width?: number | [number, number];
}

const name = 'randomTranslation';
const symmetric = (value: number): [number, number] => [-Math.abs(value), Math.abs(value)];

/** Shifts each image by a random fraction of its size. */
export function randomTranslation(options: RandomTranslationOptions = {}): ImageOp {
  knownFields(name, options as never, ['height', 'width', ...fillFields]);
  const heightRange = range(`${name}.height`, options.height ?? 0.1, {
    lower: -1,
    upper: 1,
    symmetric,
  });
  const widthRange = range(`${name}.width`, options.width ?? 0.1, {
    lower: -1,
    upper: 1,
    symmetric,
  });
  const fill = fillOptions(name, options);
  return defineImageOp({
    name,
    options: { height: heightRange, width: widthRange, ...fill },
    run({ images, random }) {
      const [count, height, width] = images.shape;
      const matrices = Array.from({ length: count }, () => {
        const translateY = random.uniform(heightRange[0], heightRange[1]) * height;
        const translateX = random.uniform(widthRange[0], widthRange[1]) * width;
        return affineMatrix({ translateX, translateY }, height, width);
      });
      return { images: warpAffine(images, matrices, fill) };
    },
  });
}

export const randomTranslationDescriptor: ImageOpDescriptor = {
  name,
  description: 'shift by a random fraction of the size',
  create: (options) => randomTranslation(options as RandomTranslationOptions),
};
