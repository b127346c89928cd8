import { knownFields, range } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import { affineMatrix, warpAffine } from '../functional/affine.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';
import { type FillOptions, fillFields, fillOptions } from './geometry-fill.js';

/** Options of {@link randomRotation}. */
export interface RandomRotationOptions extends FillOptions {
  /** Angle range in degrees (counter-clockwise positive); `15` means `[-15, 15]`. Default 15. */
  degrees?: number | [number, number];
}

const name = 'randomRotation';

/** Rotates each image about its centre by an angle drawn from `degrees`. */
export function randomRotation(options: RandomRotationOptions = {}): ImageOp {
  knownFields(name, options as never, ['degrees', ...fillFields]);
  const degrees = range(`${name}.degrees`, options.degrees ?? 15, {
    lower: -360,
    upper: 360,
    symmetric: (value) => [-Math.abs(value), Math.abs(value)],
  });
  const fill = fillOptions(name, options);
  return defineImageOp({
    name,
    options: { degrees, ...fill },
    run({ images, random }) {
      const [count, height, width] = images.shape;
      const matrices = Array.from({ length: count }, () =>
        affineMatrix({ degrees: random.uniform(degrees[0], degrees[1]) }, height, width),
      );
      return { images: warpAffine(images, matrices, fill) };
    },
  });
}

export const randomRotationDescriptor: ImageOpDescriptor = {
  name,
  description: 'rotate by a random angle',
  create: (options) => randomRotation(options as RandomRotationOptions),
};
