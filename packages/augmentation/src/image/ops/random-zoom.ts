import { knownFields, range } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import { affineMatrix, warpAffine } from '../functional/affine.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';
import { type FillOptions, fillFields, fillOptions } from './geometry-fill.js';

/** Options of {@link randomZoom}. */
export interface RandomZoomOptions extends FillOptions {
  /** Range of the zoom factor (> 1 enlarges the content, < 1 shrinks it). Default `[0.8, 1.2]`. */
  scale?: [number, number];
}

const name = 'randomZoom';

/** Scales each image about its centre, keeping its size. */
export function randomZoom(options: RandomZoomOptions = {}): ImageOp {
  knownFields(name, options as never, ['scale', ...fillFields]);
  const scale = range(`${name}.scale`, options.scale ?? [0.8, 1.2], { lower: 0.01, upper: 100 });
  const fill = fillOptions(name, options);
  return defineImageOp({
    name,
    options: { scale, ...fill },
    run({ images, random }) {
      const [count, height, width] = images.shape;
      const matrices = Array.from({ length: count }, () =>
        affineMatrix({ zoom: random.uniform(scale[0], scale[1]) }, height, width),
      );
      return { images: warpAffine(images, matrices, fill) };
    },
  });
}

export const randomZoomDescriptor: ImageOpDescriptor = {
  name,
  description: 'zoom in or out by a random factor',
  create: (options) => randomZoom(options as RandomZoomOptions),
};
