import { knownFields, probability } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import { grayscaleWhere } from '../functional/color.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';

/** Options of {@link randomGrayscale}. */
export interface RandomGrayscaleOptions {
  /** Chance per image. Default 0.1 (torchvision). */
  probability?: number;
}

const name = 'randomGrayscale';

/** Turns each image grey (luma on all three channels) with the given probability. */
export function randomGrayscale(options: RandomGrayscaleOptions = {}): ImageOp {
  knownFields(name, options as never, ['probability']);
  const chance = probability(`${name}.probability`, options.probability ?? 0.1);
  return defineImageOp({
    name,
    options: { probability: chance },
    run({ images, random }) {
      const selected = Array.from({ length: images.shape[0] }, () =>
        random.bernoulli(chance) ? 1 : 0,
      );
      return { images: grayscaleWhere(images, selected) };
    },
  });
}

export const randomGrayscaleDescriptor: ImageOpDescriptor = {
  name,
  description: 'convert to grayscale at random',
  create: (options) => randomGrayscale(options as RandomGrayscaleOptions),
};
