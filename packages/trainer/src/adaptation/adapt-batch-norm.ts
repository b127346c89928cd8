import { disposeBatch, InvalidArgumentError, normalizeImages } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { resizeToInput } from '../classifier/resize-to-input.js';
import {
  type AdaptBatchNormOptions,
  type AdaptBatchNormReport,
  checkAdaptBatchNormOptions,
} from './adapt-batch-norm-options.js';
import { type BatchNormLayer, findBatchNormLayers, overrideCalls } from './batch-norm-layers.js';
import {
  channelMoments,
  describeChange,
  type LayerStatistics,
  normalize,
  readStatistics,
  restoreStatistics,
  writeStatistics,
} from './batch-norm-statistics.js';
import { RunningMoments } from './running-moments.js';

export {
  type AdaptBatchNormOptions,
  type AdaptBatchNormProgress,
  type AdaptBatchNormReport,
  type AdaptedBatchNormLayer,
  type BatchNormStrategy,
  batchNormStrategies,
} from './adapt-batch-norm-options.js';

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
  checkAdaptBatchNormOptions(options, batchSize, strategy);
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
