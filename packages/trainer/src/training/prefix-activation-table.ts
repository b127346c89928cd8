import {
  type Backbone,
  disposeBatch,
  type ImageAugmentation,
  type ImageDataset,
  normalizeImages,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { augmentationSeed, type FeatureTable } from '../features/extract-features.js';
import { toTargets } from './loss.js';
import type { PrefixRunner } from './prefix-runner.js';

/** The parts of the frozen-prefix cache's options that computing a table reads. */
export interface PrefixActivationTableOptions {
  /** The backbone whose preprocessing normalises the images. */
  backbone: Backbone;
  /** Images per prefix call. */
  batchSize: number;
  /** Seed of the augmented views. */
  seed: number;
  /** Cancels the pass. */
  signal?: AbortSignal;
  /** Progress of each pass (`validation` or the 0-based view). */
  onProgress?: (progress: { pass: number | 'validation'; done: number; total: number }) => void;
}

/** Runs the frozen prefix (inference mode) once over `data`, in dataset order. */
export async function prefixActivationTable(
  options: PrefixActivationTableOptions,
  prefix: tfl.LayersModel,
  data: ImageDataset,
  pass: {
    pass: number | 'validation';
    augmentation?: ImageAugmentation;
    /** Runs the prefix instead of tfjs's `prefix.predict`. */
    runner?: PrefixRunner;
  },
): Promise<FeatureTable> {
  const numClasses = data.classNames.length;
  const featureDim = (prefix.outputs[0]?.shape ?? [])
    .slice(1)
    .reduce((product: number, size) => product * (size ?? 1), 1);
  const features = new Float32Array(data.size * featureDim);
  const targets = new Float32Array(data.size * numClasses);
  const labels = new Int32Array(data.size);
  const sources: Array<string | undefined> = [];
  let row = 0;
  let batchIndex = 0;
  for await (const original of data.batches({
    batchSize: options.batchSize,
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    let batch = original;
    try {
      if (pass.augmentation && typeof pass.pass === 'number') {
        // The seeds feature extraction uses for its passes: view k is the same augmented copy.
        batch = pass.augmentation.apply(original, {
          seed: augmentationSeed(options.seed, pass.pass, batchIndex),
          numClasses,
        });
      }
      const size = batch.images.shape[0];
      const { runner } = pass;
      const [output, target] = tf.tidy(() => {
        const input = normalizeImages(batch.images, options.backbone.preprocessing);
        return [
          runner ? input : (prefix.predict(input) as tf.Tensor),
          toTargets(batch.labels, numClasses),
        ];
      });
      try {
        const values = (await output.data()) as Float32Array;
        const activations = runner ? await runner.run(values, output.shape) : values;
        if (activations.length !== size * featureDim) {
          throw new Error(
            `the prefix runner returned ${activations.length} values for ${size} images of ${featureDim}`,
          );
        }
        features.set(activations, row * featureDim);
        targets.set((await target.data()) as Float32Array, row * numClasses);
      } finally {
        tf.dispose([output, target]);
      }
      for (let index = 0; index < size; index++) {
        let best = 0;
        for (let column = 1; column < numClasses; column++) {
          const offset = (row + index) * numClasses;
          if ((targets[offset + column] ?? 0) > (targets[offset + best] ?? 0)) best = column;
        }
        labels[row + index] = best;
        sources.push(batch.sources?.[index]);
      }
      row += size;
    } finally {
      if (batch !== original) disposeBatch(batch);
      disposeBatch(original);
    }
    batchIndex++;
    options.onProgress?.({ pass: pass.pass, done: row, total: data.size });
  }
  return { count: row, featureDim, numClasses, features, targets, labels, sources };
}
