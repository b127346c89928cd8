import { type Backbone, InvalidArgumentError } from '@graft/core';
import { FileImageDataset } from '@graft/datasets/node';
import type { FeatureStore } from '@graft/trainer';
import type { TrainConfig } from '../config/train-config.js';
import { withInterruptSignal } from '../interrupt/interrupt-signal.js';
import type { CommandOutput } from '../output.js';
import type { TrainingData } from '../pipeline/load-training-data.js';
import type { TrainingBackboneSpec } from '../pipeline/training-backbone.js';
import { featureIdentityOf } from './compute-shard.js';
import { distributeFeatures } from './distribute-features.js';
import type { QueueSettings } from './queue-flags.js';

/**
 * The trainer's extraction batch size when the CLI sets none (`train`'s `extractionBatchSize`
 * default): shards cut on these boundaries form the very batches a local run forms.
 */
const trainerExtractionBatchSize = 32;

/**
 * Refuses `--queue` where workers cannot compute what the run uses: only clean frozen features
 * (feature-extraction mode, no augmentation) are distributed.
 */
export function checkQueueConfig(config: TrainConfig, folds: number | undefined): void {
  if (folds !== undefined) {
    throw new InvalidArgumentError({
      argument: '--queue',
      value: `--folds ${folds}`,
      expected: 'applies to a single run, not yet to --folds',
    });
  }
  if (config.mode !== 'feature-extraction') {
    throw new InvalidArgumentError({
      argument: '--queue',
      value: `--mode ${config.mode}`,
      expected: 'applies to --mode feature-extraction (frozen features); fine-tuning trains here',
    });
  }
  if (config.augment) {
    throw new InvalidArgumentError({
      argument: '--queue',
      value: `--augment ${config.augment}`,
      expected:
        'distributes clean features only: drop --augment, or train without --queue to featurise augmented passes here',
    });
  }
}

/** Options of {@link queuedFeatureStore}. */
export interface QueuedFeatureStoreOptions {
  /** `--queue`, `--shared-dir`, `--shard-images`. */
  settings: QueueSettings;
  /** The run's data (image folders: CIFAR has no files to share). */
  data: TrainingData;
  /** The run's backbone, loaded here (its identity is what workers must match). */
  backbone: Backbone;
  /** How workers build it. */
  backboneSpec: TrainingBackboneSpec;
  /** The engine this run's own extraction would use (`tfjs`, `onnxruntime`). */
  engine: string;
  /** The tfjs backend. */
  backend: string;
  /** Where progress goes. */
  output: CommandOutput;
  /** The store the run would use otherwise (disk cache): read after the shards, written to. */
  fallback: FeatureStore | undefined;
}

/**
 * `graft train --queue`: has `graft worker` processes compute the train and validation features
 * and returns a store serving them (keyed exactly as the trainer keys its own), in front of the
 * run's usual store. Training then runs here as without `--queue`; an image no shard holds is
 * computed here as usual.
 */
export async function queuedFeatureStore(
  options: QueuedFeatureStoreOptions,
): Promise<FeatureStore> {
  const { data, settings, output } = options;
  const splits = [data.train, data.validation].filter((split) => split !== undefined);
  const files = splits.map((split) => {
    if (!(split instanceof FileImageDataset)) {
      throw new InvalidArgumentError({
        argument: '--queue',
        value: data.description,
        expected: 'applies to image folders (workers read the files from a shared path)',
      });
    }
    return split.files.map((file) => file.path);
  });
  const identity = await featureIdentityOf({
    backbone: options.backbone,
    engine: options.engine,
    backend: options.backend,
  });
  const started = performance.now();
  const result = await withInterruptSignal((signal) =>
    distributeFeatures({
      url: settings.url,
      directory: settings.directory,
      splits: files,
      backbone: options.backboneSpec,
      identity,
      batchSize: trainerExtractionBatchSize,
      shardImages: settings.shardImages,
      output,
      signal,
    }),
  );
  output.info(
    `features of ${result.store.size} images from ${result.shards} shards (${result.reused} reused) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  for (const file of result.skipped)
    output.info(`skipped by a worker: ${file.path} (${file.reason})`);
  const fallback = options.fallback;
  return {
    get: async (key) => (await result.store.get(key)) ?? fallback?.get(key),
    set: async (key, features) => fallback?.set(key, features),
  };
}
