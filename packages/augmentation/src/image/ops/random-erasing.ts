import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { knownFields, probability, range } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import { type Box, boxMask } from '../functional/masks.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';

/** Options of {@link randomErasing}. */
export interface RandomErasingOptions {
  /** Chance per image. Default 0.5. */
  probability?: number;
  /** Range of the erased area as a fraction of the image. Default `[0.02, 0.33]`. */
  scale?: [number, number];
  /** Range of the erased box's aspect ratio. Default `[0.3, 3.3]`. */
  ratio?: [number, number];
  /** Fill: a pixel value in [0, 255], or `random` (uniform noise). Default 0. */
  value?: number | 'random';
}

const name = 'randomErasing';

/** Blanks a random rectangle of each image (Zhong et al. 2017, "cutout"). */
export function randomErasing(options: RandomErasingOptions = {}): ImageOp {
  knownFields(name, options as never, ['probability', 'scale', 'ratio', 'value']);
  const chance = probability(`${name}.probability`, options.probability ?? 0.5);
  const scale = range(`${name}.scale`, options.scale ?? [0.02, 0.33], { lower: 0, upper: 1 });
  const ratio = range(`${name}.ratio`, options.ratio ?? [0.3, 3.3], { lower: Number.MIN_VALUE });
  const value = options.value ?? 0;
  if (value !== 'random' && (typeof value !== 'number' || !(value >= 0 && value <= 255))) {
    throw new InvalidArgumentError({
      argument: `${name}.value`,
      value,
      expected: "must be a pixel value in [0, 255] or 'random'",
    });
  }
  return defineImageOp({
    name,
    options: { probability: chance, scale, ratio, value },
    run({ images, random }) {
      const [count, height, width] = images.shape;
      const boxes = Array.from({ length: count }, (): Box => {
        const none = { top: 0, left: 0, bottom: 0, right: 0 };
        if (!random.bernoulli(chance)) return none;
        for (let attempt = 0; attempt < 10; attempt++) {
          const area = height * width * random.uniform(scale[0], scale[1]);
          const aspect = Math.exp(random.uniform(Math.log(ratio[0]), Math.log(ratio[1])));
          const boxHeight = Math.round(Math.sqrt(area * aspect));
          const boxWidth = Math.round(Math.sqrt(area / aspect));
          if (boxHeight < height && boxWidth < width && boxHeight > 0 && boxWidth > 0) {
            const top = random.int(0, height - boxHeight);
            const left = random.int(0, width - boxWidth);
            return { top, left, bottom: top + boxHeight, right: left + boxWidth };
          }
        }
        return none;
      });
      if (boxes.every((box) => box.bottom === box.top)) return { images };
      const mask = boxMask(boxes, height, width);
      const fill =
        value === 'random'
          ? tf.randomUniform(images.shape, 0, 255, 'float32', random.nextUint32())
          : tf.fill(images.shape, value);
      return { images: tf.add(images, tf.mul(mask, tf.sub(fill, images))) };
    },
  });
}

export const randomErasingDescriptor: ImageOpDescriptor = {
  name,
  description: 'erase a random rectangle (cutout)',
  create: (options) => randomErasing(options as RandomErasingOptions),
};
