import {
  type AugmentOptions,
  type ImageBatch,
  InvalidArgumentError,
  type JsonObject,
  SeededRandom,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageOp } from './image-op.js';

/** What a single op computes, inside `tf.tidy`. */
export interface OpRun {
  /** `[N, H, W, 3]` float32 pixels (not to be disposed). */
  images: tf.Tensor4D;
  /** `[N]` int32 or `[N, C]` float32 labels (not to be disposed). */
  labels: tf.Tensor1D | tf.Tensor2D;
  /** The op's own stream, seeded from the call's seed. */
  random: SeededRandom;
  /** Number of classes (for label-mixing ops). */
  numClasses: number;
}

/**
 * Builds an {@link ImageOp} from validated options and a batched computation. The computation
 * runs in `tf.tidy`; it returns new images and, for label-mixing ops, new labels.
 */
export function defineImageOp(definition: {
  name: string;
  options: JsonObject;
  run(input: OpRun): { images: tf.Tensor4D; labels?: tf.Tensor1D | tf.Tensor2D };
}): ImageOp {
  const options = definition.options;
  return {
    name: definition.name,
    options,
    apply(batch: ImageBatch, applyOptions: AugmentOptions): ImageBatch {
      checkBatch(batch, applyOptions);
      const random = new SeededRandom(applyOptions.seed);
      const result = tf.tidy(() => {
        const images =
          batch.images.dtype === 'float32' ? batch.images : tf.cast(batch.images, 'float32');
        const output = definition.run({
          images,
          labels: batch.labels,
          random,
          numClasses: applyOptions.numClasses,
        });
        return {
          images: output.images === batch.images ? tf.clone(output.images) : output.images,
          labels: output.labels ?? tf.clone(batch.labels),
        };
      });
      return withMetadata(batch, result.images, result.labels);
    },
    toConfig() {
      return { name: definition.name, options: structuredClone(options) };
    },
  };
}

/** A batch with new tensors and the input's keys and sources. */
export function withMetadata(
  batch: ImageBatch,
  images: tf.Tensor4D,
  labels: tf.Tensor1D | tf.Tensor2D,
): ImageBatch {
  const result: ImageBatch = { images, labels };
  if (batch.keys) result.keys = batch.keys;
  if (batch.sources) result.sources = batch.sources;
  return result;
}

/** Checks the batch and options every op relies on. */
export function checkBatch(batch: ImageBatch, options: AugmentOptions): void {
  const shape = batch.images.shape;
  if (shape.length !== 4 || shape[3] !== 3) {
    throw new InvalidArgumentError({
      argument: 'batch.images',
      value: shape,
      expected: 'must have shape [N, H, W, 3]',
    });
  }
  if (batch.labels.shape[0] !== shape[0]) {
    throw new InvalidArgumentError({
      argument: 'batch.labels',
      value: batch.labels.shape,
      expected: `must have ${shape[0]} rows, one per image`,
    });
  }
  if (typeof options?.seed !== 'number' || !Number.isFinite(options.seed)) {
    throw new InvalidArgumentError({
      argument: 'seed',
      value: options?.seed,
      expected: 'must be a finite number',
    });
  }
  if (!Number.isInteger(options.numClasses) || options.numClasses < 1) {
    throw new InvalidArgumentError({
      argument: 'numClasses',
      value: options.numClasses,
      expected: 'must be a positive integer',
    });
  }
}

/** The seed of the op at `position` in a pipeline called with `seed`. */
export function childSeed(seed: number, position: number | string): number {
  return new SeededRandom(seed).fork(position).nextUint32();
}
