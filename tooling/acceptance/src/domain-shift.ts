import { colorJitter, gaussianBlur, type ImageOp, randomGrayscale } from '@graft/augmentation';
import { type BatchOptions, disposeBatch, type ImageBatch, type ImageDataset } from '@graft/core';
import type { Classifier } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';

/** A target domain: a deterministic transform of the pixels (fixed parameters, no draw). */
export interface Domain {
  /** Short name, also appended to the images' cache keys. */
  name: string;
  /** What the transform does, for the report. */
  description: string;
  /** The transform; absent for the clean (source) domain. */
  op?: ImageOp;
}

/**
 * The domains of the acceptance run, made with `@graft/augmentation` ops whose random ranges are
 * collapsed to one value, so every image gets the same transform whatever its batch or seed.
 */
export function targetDomains(): Domain[] {
  return [
    { name: 'clean', description: 'the source domain (no transform)' },
    {
      name: 'grayscale',
      description: 'randomGrayscale p=1 (luma on all channels)',
      op: randomGrayscale({ probability: 1 }),
    },
    {
      name: 'hue-saturation',
      description: 'colorJitter hue +0.25 turn, saturation ×2',
      op: colorJitter({ hue: [0.25, 0.25], saturation: [2, 2] }),
    },
    {
      name: 'dim-low-contrast',
      description: 'colorJitter brightness ×0.4, contrast ×0.5',
      op: colorJitter({ brightness: [0.4, 0.4], contrast: [0.5, 0.5] }),
    },
    {
      name: 'blur',
      description: 'gaussianBlur kernel 15, sigma 3 px (at 224×224)',
      op: gaussianBlur({ kernelSize: 15, sigma: [3, 3] }),
    },
  ];
}

/**
 * `base` seen through a domain's transform: same images, labels and order, transformed pixels,
 * and keys suffixed with the domain name (so feature caches never mix domains).
 */
export class DomainDataset implements ImageDataset {
  readonly classNames: readonly string[];
  readonly size: number;
  constructor(
    readonly base: ImageDataset,
    readonly domain: Domain,
  ) {
    this.classNames = base.classNames;
    this.size = base.size;
  }

  labels(): readonly number[] {
    return this.base.labels();
  }

  async *batches(options: BatchOptions): AsyncIterable<ImageBatch> {
    const op = this.domain.op;
    for await (const batch of this.base.batches(options)) {
      if (op === undefined) {
        yield batch;
        continue;
      }
      let shifted: ImageBatch;
      try {
        shifted = op.apply(batch, { seed: 0, numClasses: this.classNames.length });
      } catch (error) {
        disposeBatch(batch);
        throw error;
      }
      if (shifted.images !== batch.images) batch.images.dispose();
      if (shifted.labels !== batch.labels) batch.labels.dispose();
      yield {
        images: shifted.images,
        labels: shifted.labels,
        ...(batch.keys ? { keys: batch.keys.map((key) => `${key}#${this.domain.name}`) } : {}),
        ...(batch.sources ? { sources: batch.sources } : {}),
      };
    }
  }
}

/** Top-1 accuracy of a classifier on labelled images (pixels → classifier.predictProbabilities). */
export async function classifierAccuracy(
  classifier: Classifier,
  data: ImageDataset,
  batchSize = 32,
): Promise<number> {
  let correct = 0;
  let count = 0;
  for await (const batch of data.batches({ batchSize })) {
    try {
      const predicted = tf.tidy(() => tf.argMax(classifier.predictProbabilities(batch.images), 1));
      const [guesses, labels] = await Promise.all([predicted.data(), batch.labels.data()]);
      predicted.dispose();
      guesses.forEach((guess, index) => {
        if (guess === labels[index]) correct++;
      });
      count += guesses.length;
    } finally {
      disposeBatch(batch);
    }
  }
  return correct / count;
}
