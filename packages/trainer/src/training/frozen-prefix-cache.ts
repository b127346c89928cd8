import {
  type Backbone,
  type BackboneSplit,
  type Head,
  type ImageAugmentation,
  type ImageDataset,
  InvalidArgumentError,
  SeededRandom,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type { EvaluationReport } from '../evaluation/metrics.js';
import { computeMetrics } from '../evaluation/metrics.js';
import type { FeatureTable } from '../features/extract-features.js';
import { gatherTableRows } from './gather-table-rows.js';
import { now } from './now.js';
import { prefixActivationTable } from './prefix-activation-table.js';
import type { PrefixRunner, PrefixRunnerFactory } from './prefix-runner.js';

/** Whether fine-tuning trains on cached activations of the frozen prefix. */
export type FrozenPrefixCacheSetting = 'auto' | 'off';

/** Default memory budget of the cached activations: 1 GiB. */
export const defaultFrozenPrefixCacheBytes = 1024 ** 3;

/** What {@link prepareFrozenPrefixCache} did, for the result and the logs. */
export interface FrozenPrefixCacheReport {
  /** Whether the epochs trained on cached activations. */
  used: boolean;
  /** One line: where the backbone was cut, or why the cache was not used. */
  message: string;
  /** The stage or layer the trained suffix starts with. */
  before?: string;
  /** Bytes of cached activations (train views + validation). */
  bytes?: number;
  /** Seconds spent computing them. */
  seconds?: number;
}

/** Options of {@link prepareFrozenPrefixCache}. */
export interface PrepareFrozenPrefixCacheOptions {
  backbone: Backbone;
  trainData: ImageDataset;
  validationData?: ImageDataset;
  /** `auto` caches when it is exact, `off` never. */
  setting: FrozenPrefixCacheSetting;
  /** The first unfrozen stage or layer; nothing is cached without it. */
  unfreezeFrom?: string;
  /** Augmentation of training batches; cached only as a fixed bank of `augmentedViews`. */
  augmentation?: ImageAugmentation;
  /** Augmented views per image to cache; required with `augmentation`. */
  augmentedViews?: number;
  /** Why the cache cannot apply regardless (e.g. loss terms that need pixels), if so. */
  blockedBy?: string;
  /** Memory budget of the cached activations, in bytes. */
  budgetBytes: number;
  /** Images per prefix call. */
  batchSize: number;
  /** Seed of the augmented views. */
  seed: number;
  signal?: AbortSignal;
  /** Progress of each pass (`validation` or the 0-based view). */
  onProgress?: (progress: { pass: number | 'validation'; done: number; total: number }) => void;
  /** Runs the prefix's pass outside tfjs (e.g. ONNX Runtime); default: tfjs. */
  prefixRunner?: PrefixRunnerFactory;
}

/** Cached activations of a frozen prefix and the suffix that trains on them. */
export interface FrozenPrefixCache {
  readonly split: BackboneSplit;
  /** How it was made (for the logs of every run that uses it). */
  readonly report: FrozenPrefixCacheReport;
  /** One table per augmented view (one without augmentation); rows in dataset order. */
  readonly trainTables: readonly FeatureTable[];
  readonly validationTable?: FeatureTable;
  /** Backbone suffix + head on activations, called with `training: true` (for gradients). */
  forward(activations: tf.Tensor): tf.Tensor;
  /** The training batches of one epoch: view `epoch mod views`, in a seeded order. */
  batches(options: {
    epoch: number;
    epochSeed: number;
    batchSize: number;
    shuffle: boolean;
  }): Generator<{ inputs: tf.Tensor; targets: tf.Tensor2D }>;
  /** Validation on the cached activations (suffix and head in inference mode). */
  evaluate(
    head: Head,
    classNames: readonly string[],
    /** Sigmoid heads: the decision threshold of the multi-label metrics. Default 0.5. */
    threshold?: number,
  ): Promise<EvaluationReport>;
  /** Releases the split (the weights stay the backbone's) and the cached arrays. */
  dispose(): void;
}

// Layers whose output depends on `training`: a frozen prefix holding one is not the same
// function when cached in inference mode.
const trainingDependentLayers = new Set([
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
]);

/**
 * Fine-tuning's freeze-boundary cache: when the backbone is frozen up to `unfreezeFrom` and the
 * frozen part sees the same input every epoch (no augmentation, or a fixed bank of
 * `augmentedViews` views), its output is computed once per image (per view) and the epochs train
 * only the suffix and the head on it. Exact: the prefix is frozen (frozen BatchNorm runs in
 * inference mode either way), so its output is the same every epoch.
 *
 * Returns the cache, or `undefined` and a report saying why not (then training runs on pixels).
 */
export async function prepareFrozenPrefixCache(
  options: PrepareFrozenPrefixCacheOptions,
  head: Head,
): Promise<{ cache?: FrozenPrefixCache; report: FrozenPrefixCacheReport }> {
  const notUsed = (why: string) => ({
    report: { used: false, message: `frozen-prefix cache off: ${why}; fine-tuning on pixels` },
  });
  if (options.setting === 'off') return notUsed('frozenPrefixCache is off');
  if (options.blockedBy !== undefined) return notUsed(options.blockedBy);
  if (options.unfreezeFrom === undefined) {
    return notUsed('no unfreezeFrom (the whole backbone trains, nothing is frozen before it)');
  }
  if (options.backbone.split === undefined) {
    return notUsed(`backbone ${options.backbone.name} cannot be split (no split())`);
  }
  if (options.augmentation !== undefined && options.augmentedViews === undefined) {
    return notUsed(
      'augmentation changes the frozen layers’ input every epoch; set augmentedViews (a fixed bank of K augmented views per image) to cache it',
    );
  }
  const views = options.augmentation ? (options.augmentedViews as number) : 1;
  let split: BackboneSplit;
  try {
    split = options.backbone.split({ before: options.unfreezeFrom });
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    return notUsed(`cannot cut the backbone before ${options.unfreezeFrom} (${error.message})`);
  }
  const refuse = (why: string) => {
    split.dispose();
    return notUsed(why);
  };
  if (split.prefix.trainableWeights.length > 0) {
    return refuse(
      `layers before ${options.unfreezeFrom} are trainable (${split.prefix.trainableWeights[0]?.name} …)`,
    );
  }
  const dependent = split.prefix.layers.find((layer) =>
    trainingDependentLayers.has(layer.getClassName()),
  );
  if (dependent) {
    return refuse(`the frozen layer ${dependent.name} behaves differently in training`);
  }
  const rowValues = split.activationShape.reduce((product, size) => product * size, 1);
  const rows = options.trainData.size * views + (options.validationData?.size ?? 0);
  const bytes = rows * rowValues * 4;
  if (bytes > options.budgetBytes) {
    return refuse(
      `${rows} activations of ${JSON.stringify(split.activationShape)} need ${mebibytes(bytes)} MiB, over the budget of ${mebibytes(options.budgetBytes)} MiB (frozenPrefixCacheBytes)`,
    );
  }

  const started = now();
  // The prefix is frozen: its inference form (BatchNorm folded) computes the same activations.
  const prefix = split.inferencePrefix?.() ?? split.prefix;
  const trainTables: FeatureTable[] = [];
  let validationTable: FeatureTable | undefined;
  let runner: PrefixRunner | undefined;
  let engine = 'tfjs';
  if (options.prefixRunner) {
    try {
      runner = await options.prefixRunner(prefix);
      engine = runner.detail;
    } catch (error) {
      // Not fatal: the same activations come from tfjs, only slower.
      engine = `tfjs (the prefix runner failed: ${error instanceof Error ? error.message : String(error)})`;
    }
  }
  try {
    for (let view = 0; view < views; view++) {
      trainTables.push(
        await prefixActivationTable(options, prefix, options.trainData, {
          pass: view,
          ...(options.augmentation ? { augmentation: options.augmentation } : {}),
          ...(runner ? { runner } : {}),
        }),
      );
    }
    if (options.validationData) {
      validationTable = await prefixActivationTable(options, prefix, options.validationData, {
        pass: 'validation',
        ...(runner ? { runner } : {}),
      });
    }
  } catch (error) {
    split.dispose();
    throw error;
  } finally {
    await runner?.close();
  }
  const seconds = (now() - started) / 1000;
  const shape = split.activationShape;
  const gather = (table: FeatureTable, rowsWanted: readonly number[]) =>
    gatherTableRows(table, rowsWanted, shape);
  const report: FrozenPrefixCacheReport = {
    used: true,
    message: `frozen-prefix cache: backbone cut before ${split.before}, ${views} view${views === 1 ? '' : 's'} of ${rows} activations ${JSON.stringify(shape)} cached (${mebibytes(bytes)} MiB, ${seconds.toFixed(1)} s on ${engine}); epochs train ${split.before} onwards and the head`,
    before: split.before,
    bytes,
    seconds,
  };
  const cache: FrozenPrefixCache = {
    split,
    report,
    trainTables,
    ...(validationTable ? { validationTable } : {}),
    forward(activations) {
      const features = split.suffix.apply(activations, { training: true }) as tf.Tensor;
      return head.model.apply(features, { training: true }) as tf.Tensor;
    },
    *batches({ epoch, epochSeed, batchSize, shuffle }) {
      const table = trainTables[epoch % trainTables.length] as FeatureTable;
      const order = shuffle
        ? new SeededRandom(epochSeed).permutation(table.count)
        : Array.from({ length: table.count }, (_, index) => index);
      for (let start = 0; start < table.count; start += batchSize) {
        yield gather(table, order.slice(start, start + batchSize));
      }
    },
    async evaluate(evaluatedHead, classNames, threshold) {
      const table = validationTable as FeatureTable;
      const parts: Float32Array[] = [];
      const batchSize = 64;
      for (let start = 0; start < table.count; start += batchSize) {
        const rowsWanted = Array.from(
          { length: Math.min(batchSize, table.count - start) },
          (_, index) => start + index,
        );
        const batch = gather(table, rowsWanted);
        const output = tf.tidy(
          () =>
            evaluatedHead.model.predict(
              split.suffix.predict(batch.inputs) as tf.Tensor,
            ) as tf.Tensor,
        );
        tf.dispose([batch.inputs, batch.targets]);
        parts.push((await output.data()) as Float32Array);
        output.dispose();
      }
      const probabilities = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
      let offset = 0;
      for (const part of parts) {
        probabilities.set(part, offset);
        offset += part.length;
      }
      return computeMetrics({
        probabilities,
        targets: table.targets,
        classNames,
        activation: evaluatedHead.activation,
        sources: table.sources,
        ...(threshold !== undefined ? { threshold } : {}),
      });
    },
    dispose() {
      split.dispose();
      trainTables.length = 0;
    },
  };
  return { cache, report };
}

/** Whether `value` is a cache made by {@link prepareFrozenPrefixCache} (not a setting). */
export function isFrozenPrefixCache(value: unknown): value is FrozenPrefixCache {
  return typeof value === 'object' && value !== null && 'split' in value && 'batches' in value;
}

function mebibytes(bytes: number): string {
  return (bytes / 1024 ** 2).toFixed(0);
}
