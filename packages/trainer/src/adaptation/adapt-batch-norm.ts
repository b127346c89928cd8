import {
  disposeBatch,
  type ImageDataset,
  InvalidArgumentError,
  normalizeImages,
  type Preprocessing,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { resizeToInput } from '../classifier/resize-to-input.js';
import { type BatchNormLayer, findBatchNormLayers, overrideCalls } from './batch-norm-layers.js';
import { RunningMoments } from './running-moments.js';

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

/** Progress of {@link adaptBatchNorm}, after each batch. */
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

/** Options of {@link adaptBatchNorm}. */
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

/** What {@link adaptBatchNorm} did. */
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

/** Thrown inside the forward pass to stop it once the measured layer has been reached. */
class StopForward extends Error {}

interface Recording {
  index: number;
  count: number;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * AdaBN (Li et al. 2016, "Revisiting Batch Normalization For Practical Domain Adaptation"):
 * replaces every BatchNormalization layer's moving mean and variance by the population
 * statistics of its input over the target-domain images. No gradient step; every other weight
 * is untouched. The statistics replace the source values outright (not an exponential moving
 * average with them), and the variance is the population variance (divided by the count, as
 * the values per channel number in the hundreds of thousands).
 *
 * Modifies `model` in place; see `adaptClassifier` for a copy with recorded metadata. Tensors it
 * creates are disposed.
 */
export async function adaptBatchNorm(
  options: AdaptBatchNormOptions,
): Promise<AdaptBatchNormReport> {
  const { model, data } = options;
  const batchSize = options.batchSize ?? 32;
  const strategy = options.strategy ?? 'one-pass';
  checkOptions(options, batchSize, strategy);
  const include = options.includeLayer ?? (() => true);
  const layers = findBatchNormLayers(model).filter((layer) => include(layer.path));
  if (layers.length === 0) {
    throw new InvalidArgumentError({
      argument: 'model',
      value: model.name,
      expected: options.includeLayer
        ? 'must have a BatchNormalization layer selected by `includeLayer`'
        : 'must have a BatchNormalization layer (AdaBN re-estimates their statistics)',
    });
  }
  if (data.size <= 0) {
    throw new InvalidArgumentError({
      argument: 'data',
      value: data.size,
      expected: 'must hold at least one image',
    });
  }
  const before = await readStatistics(layers);
  let imagesSeen = 0;
  let passes = 0;
  if (strategy === 'one-pass') {
    const moments = await measure({
      ...options,
      batchSize,
      layers,
      measured: layers.map((_, index) => index),
      stopAtMeasured: false,
      pass: 1,
      passes: 1,
    });
    imagesSeen = moments.images;
    passes = 1;
    options.signal?.throwIfAborted();
    for (const [index, layer] of layers.entries()) {
      writeStatistics(layer, moments.moments[index] as RunningMoments);
    }
  } else {
    // Exact, layer by layer: each pass sees the layers before it already re-estimated.
    const originals = await readStatistics(layers);
    try {
      for (let index = 0; index < layers.length; index++) {
        const result = await measure({
          ...options,
          batchSize,
          layers,
          measured: [index],
          stopAtMeasured: true,
          pass: index + 1,
          passes: layers.length,
        });
        imagesSeen = result.images;
        passes++;
        writeStatistics(layers[index] as BatchNormLayer, result.moments[index] as RunningMoments);
      }
    } catch (error) {
      // Leave the model as it was, not half adapted.
      for (const [index, layer] of layers.entries()) {
        restoreStatistics(layer, originals[index] as LayerStatistics);
      }
      throw error;
    }
  }
  const after = await readStatistics(layers);
  return {
    method: 'adabn',
    strategy,
    layersAdapted: layers.length,
    imagesSeen,
    passes,
    batchSize,
    layers: layers.map((layer, index) =>
      describeChange(layer, before[index] as LayerStatistics, after[index] as LayerStatistics),
    ),
  };
}

/**
 * One pass over the data. Layers in `measured` record the moments of their input and normalise
 * with the batch's statistics; the others use their moving statistics. With `stopAtMeasured`
 * (`progressive`) the forward pass stops at the measured layer.
 */
async function measure(
  options: AdaptBatchNormOptions & {
    batchSize: number;
    layers: readonly BatchNormLayer[];
    measured: readonly number[];
    stopAtMeasured: boolean;
    pass: number;
    passes: number;
  },
): Promise<{ moments: RunningMoments[]; images: number }> {
  const { layers, measured, preprocessing } = options;
  const isMeasured = new Set(measured);
  const moments: RunningMoments[] = [];
  let recordings: Recording[] = [];
  const restore = overrideCalls(layers, (index) => (inputs) => {
    const layer = layers[index] as BatchNormLayer;
    const input = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    if (!isMeasured.has(index)) return normalize(input, layer, 'moving');
    const { mean, variance } = channelMoments(input, layer.axis);
    const axis = layer.axis < 0 ? layer.axis + input.rank : layer.axis;
    const count = input.size / (input.shape[axis] ?? 1);
    recordings.push({ index, count, mean: tf.keep(mean), variance: tf.keep(variance) });
    if (options.stopAtMeasured) throw new StopForward();
    return normalize(input, layer, 'batch', mean, variance);
  });
  let images = 0;
  try {
    for await (const batch of options.data.batches({
      batchSize: options.batchSize,
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      try {
        const input = tf.tidy(() =>
          normalizeImages(
            resizeToInput(tf.cast(batch.images, 'float32') as tf.Tensor4D, preprocessing),
            preprocessing,
          ),
        );
        try {
          tf.tidy(() => {
            options.model.apply(input, { training: false });
          });
        } catch (error) {
          if (!(error instanceof StopForward)) throw error;
        } finally {
          input.dispose();
        }
        const done = recordings;
        recordings = [];
        try {
          for (const recording of done) {
            const [mean, variance] = await Promise.all([
              recording.mean.data(),
              recording.variance.data(),
            ]);
            let accumulator = moments[recording.index];
            if (accumulator === undefined) {
              accumulator = new RunningMoments(mean.length);
              moments[recording.index] = accumulator;
            }
            accumulator.add(recording.count, mean, variance);
          }
        } finally {
          for (const recording of done) tf.dispose([recording.mean, recording.variance]);
        }
        images += batch.images.shape[0];
      } finally {
        disposeBatch(batch);
      }
      options.onProgress?.({
        pass: options.pass,
        passes: options.passes,
        images,
        totalImages: options.data.size,
      });
    }
  } finally {
    restore();
    for (const recording of recordings) tf.dispose([recording.mean, recording.variance]);
  }
  for (const index of measured) {
    if (moments[index] === undefined) {
      throw new InvalidArgumentError({
        argument: 'model',
        value: layers[index]?.path,
        expected: 'must reach every BatchNormalization layer in its forward pass',
      });
    }
  }
  return { moments, images };
}

/** Per-channel mean and population variance of `input` (reduced over every other axis). */
function channelMoments(
  input: tf.Tensor,
  axis: number,
): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  return tf.tidy(() => {
    const channelAxis = axis < 0 ? axis + input.rank : axis;
    const axes = [...Array(input.rank).keys()].filter((item) => item !== channelAxis);
    const { mean, variance } = tf.moments(tf.cast(input, 'float32'), axes);
    return { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  });
}

/** BatchNorm's output with the given (`batch`) or the moving statistics. */
function normalize(
  input: tf.Tensor,
  layer: BatchNormLayer,
  mode: 'batch' | 'moving',
  batchMean?: tf.Tensor1D,
  batchVariance?: tf.Tensor1D,
): tf.Tensor {
  return tf.tidy(() => {
    const channelAxis = layer.axis < 0 ? layer.axis + input.rank : layer.axis;
    const mean = mode === 'batch' ? (batchMean as tf.Tensor1D) : layer.movingMean.read();
    const variance =
      mode === 'batch' ? (batchVariance as tf.Tensor1D) : layer.movingVariance.read();
    const gamma = layer.gamma?.read();
    const beta = layer.beta?.read();
    if (channelAxis === input.rank - 1) {
      return tf.batchNorm(input, mean, variance, beta, gamma, layer.epsilon);
    }
    const shape = input.shape.map((size, axis) => (axis === channelAxis ? size : 1));
    const broadcast = (value: tf.Tensor) => tf.reshape(value, shape);
    let output = tf.mul(
      tf.sub(input, broadcast(mean)),
      tf.rsqrt(tf.add(broadcast(variance), layer.epsilon)),
    );
    if (gamma) output = tf.mul(output, broadcast(gamma));
    if (beta) output = tf.add(output, broadcast(beta));
    return output;
  });
}

interface LayerStatistics {
  mean: Float32Array;
  variance: Float32Array;
}

async function readStatistics(layers: readonly BatchNormLayer[]): Promise<LayerStatistics[]> {
  return Promise.all(
    layers.map(async (layer) => ({
      mean: (await layer.movingMean.read().data()) as Float32Array,
      variance: (await layer.movingVariance.read().data()) as Float32Array,
    })),
  );
}

function writeStatistics(layer: BatchNormLayer, moments: RunningMoments): void {
  restoreStatistics(layer, {
    mean: Float32Array.from(moments.mean),
    variance: Float32Array.from(moments.variance()),
  });
}

function restoreStatistics(layer: BatchNormLayer, statistics: LayerStatistics): void {
  tf.tidy(() => {
    layer.movingMean.write(tf.tensor1d(statistics.mean, 'float32'));
    layer.movingVariance.write(tf.tensor1d(statistics.variance, 'float32'));
  });
}

function describeChange(
  layer: BatchNormLayer,
  before: LayerStatistics,
  after: LayerStatistics,
): AdaptedBatchNormLayer {
  const channels = before.mean.length;
  let squared = 0;
  let standardized = 0;
  let logRatio = 0;
  for (let channel = 0; channel < channels; channel++) {
    const shift = (after.mean[channel] ?? 0) - (before.mean[channel] ?? 0);
    const oldVariance = (before.variance[channel] ?? 0) + layer.epsilon;
    const newVariance = (after.variance[channel] ?? 0) + layer.epsilon;
    squared += shift * shift;
    standardized += (shift * shift) / oldVariance;
    logRatio += Math.log(newVariance / oldVariance);
  }
  return {
    path: layer.path,
    channels,
    meanShift: Math.sqrt(squared),
    standardizedMeanShift: Math.sqrt(standardized / Math.max(1, channels)),
    varianceRatio: Math.exp(logRatio / Math.max(1, channels)),
  };
}

function checkOptions(
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
