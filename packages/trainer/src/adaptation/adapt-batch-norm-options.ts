import { type ImageDataset, InvalidArgumentError, type Preprocessing } from '@graft/core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * How the statistics of layer `k` are measured, given that its input depends on the
 * BatchNormalization layers before it:
 * - `one-pass` (default, PyTorch's AdaBN recipe of `model.train()` with `momentum=None`): one
 *   pass over the data in which every BatchNorm normalises with the current batch's statistics
 *   and records the statistics of its input. Cost: one forward pass per image. The earlier
 *   layers use batch statistics instead of the final population ones, an approximation whose
 *   effect shrinks with the batch size (measured on ants/bees: see the package README).
 * - `progressive`: exact population statistics. Layer by layer, in topological order, a pass
 *   over the data with the already re-estimated layers in inference mode measures the next
 *   layer's input; the forward pass stops at that layer. Cost: about `layers / 2` full passes.
 */
export type BatchNormStrategy = 'one-pass' | 'progressive';

/** Valid {@link BatchNormStrategy} values. */
export const batchNormStrategies: readonly BatchNormStrategy[] = ['one-pass', 'progressive'];

/** Progress of `adaptBatchNorm`, after each batch. */
export interface AdaptBatchNormProgress {
  /** Current pass (1-based): always 1 for `one-pass`, one per layer for `progressive`. */
  pass: number;
  /** Passes in total. */
  passes: number;
  /** Images seen in this pass so far. */
  images: number;
  /** Images in the data. */
  totalImages: number;
}

/** Options of `adaptBatchNorm`. */
export interface AdaptBatchNormOptions {
  /**
   * The model (normalised pixels → outputs) whose BatchNormalization layers are re-estimated,
   * nested models included. Modified in place: only `moving_mean` and `moving_variance` change.
   */
  model: tfl.LayersModel;
  /** Unlabelled target-domain images (labels are ignored). */
  data: ImageDataset;
  /** How pixels become the model's input (resize policy and normalisation). */
  preprocessing: Preprocessing;
  /** Images per forward pass; with `one-pass` also the batch of the batch statistics. Default 32. */
  batchSize?: number;
  /** See {@link BatchNormStrategy}. Default `one-pass`. */
  strategy?: BatchNormStrategy;
  /** Which layers to adapt, by path (`name`, or `nested/name`). Default: all. */
  includeLayer?: (path: string) => boolean;
  /** Called after each batch. */
  onProgress?: (progress: AdaptBatchNormProgress) => void;
  /** Stops adaptation (before any statistic is written); rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** How much one layer's statistics moved. */
export interface AdaptedBatchNormLayer {
  /** Layer path (`name`, or `nested/name`). */
  path: string;
  /** Channels. */
  channels: number;
  /** L2 norm of the change of the moving mean. */
  meanShift: number;
  /** Root mean square over channels of the mean change in units of the old standard deviation. */
  standardizedMeanShift: number;
  /** Geometric mean over channels of new variance / old variance (epsilon added to both). */
  varianceRatio: number;
}

/** What `adaptBatchNorm` did. */
export interface AdaptBatchNormReport {
  /** `adabn`. */
  method: 'adabn';
  /** The strategy used. */
  strategy: BatchNormStrategy;
  /** BatchNormalization layers re-estimated. */
  layersAdapted: number;
  /** Images the statistics are computed from (each image counts once, whatever the passes). */
  imagesSeen: number;
  /** Passes over the data. */
  passes: number;
  /** Images per forward pass. */
  batchSize: number;
  /** Per-layer changes, in forward order. */
  layers: AdaptedBatchNormLayer[];
}

/** Throws `InvalidArgumentError` naming the first bad option of {@link AdaptBatchNormOptions}. */
export function checkAdaptBatchNormOptions(
  options: AdaptBatchNormOptions,
  batchSize: number,
  strategy: BatchNormStrategy,
): void {
  if (!options.model || !Array.isArray((options.model as { layers?: unknown }).layers)) {
    throw new InvalidArgumentError({
      argument: 'model',
      value: options.model,
      expected: 'must be a tfjs LayersModel',
    });
  }
  if (!options.data || typeof options.data.batches !== 'function') {
    throw new InvalidArgumentError({
      argument: 'data',
      value: options.data,
      expected: 'must be an ImageDataset (unlabelled target-domain images)',
    });
  }
  if (!options.preprocessing || !Array.isArray(options.preprocessing.inputSize)) {
    throw new InvalidArgumentError({
      argument: 'preprocessing',
      value: options.preprocessing,
      expected: "must be the model's Preprocessing (e.g. classifier.metadata.graft.preprocessing)",
    });
  }
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new InvalidArgumentError({
      argument: 'batchSize',
      value: batchSize,
      expected: 'must be an integer ≥ 1',
    });
  }
  if (!batchNormStrategies.includes(strategy)) {
    throw new InvalidArgumentError({
      argument: 'strategy',
      value: strategy,
      expected: `must be one of: ${batchNormStrategies.join(', ')}`,
    });
  }
}
