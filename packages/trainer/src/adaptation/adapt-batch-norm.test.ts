import '@tensorflow/tfjs-backend-cpu';
import type { BatchOptions, ImageBatch, ImageDataset, Preprocessing } from '@graft/core';
import { SeededRandom } from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { adaptBatchNorm } from './adapt-batch-norm.js';
import { findBatchNormLayers } from './batch-norm-layers.js';

const size = 4;

/** Pixels pass through unchanged: the model sees exactly the dataset's values. */
const identity: Preprocessing = {
  inputSize: [size, size],
  channelOrder: 'rgb',
  inputRange: [0, 255],
  mean: [0, 0, 0],
  std: [1, 1, 1],
  resize: { mode: 'stretch', interpolation: 'bilinear' },
};

/** `count` random 4×4 RGB images held in memory; channel c has its own offset and scale. */
class PixelDataset implements ImageDataset {
  readonly classNames = ['unlabelled'];
  readonly pixels: Float32Array;
  constructor(
    readonly size: number,
    seed: number,
  ) {
    const random = new SeededRandom(seed);
    this.pixels = new Float32Array(size * 4 * 4 * 3);
    for (let index = 0; index < this.pixels.length; index++) {
      const channel = index % 3;
      this.pixels[index] = 40 + 60 * channel + (10 + 15 * channel) * random.normal();
    }
  }
  labels(): readonly number[] {
    return new Array(this.size).fill(0);
  }
  async *batches(options: BatchOptions): AsyncIterable<ImageBatch> {
    const stride = size * size * 3;
    for (let start = 0; start < this.size; start += options.batchSize) {
      const count = Math.min(options.batchSize, this.size - start);
      yield {
        images: tf.tensor4d(this.pixels.slice(start * stride, (start + count) * stride), [
          count,
          size,
          size,
          3,
        ]),
        labels: tf.zeros([count], 'int32') as tf.Tensor1D,
      };
    }
  }
}

/** Population mean and variance per channel of `[values…]` laid out channel-last. */
function handMoments(values: ArrayLike<number>, channels: number) {
  const sums = new Float64Array(channels);
  const squares = new Float64Array(channels);
  const count = values.length / channels;
  for (let index = 0; index < values.length; index++) {
    sums[index % channels] = (sums[index % channels] ?? 0) + (values[index] ?? 0);
  }
  const mean = Array.from(sums, (sum) => sum / count);
  for (let index = 0; index < values.length; index++) {
    const deviation = (values[index] ?? 0) - (mean[index % channels] ?? 0);
    squares[index % channels] = (squares[index % channels] ?? 0) + deviation * deviation;
  }
  return { mean, variance: Array.from(squares, (sum) => sum / count) };
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let index = 0; index < a.length; index++) {
    worst = Math.max(worst, Math.abs((a[index] ?? 0) - (b[index] ?? Number.NaN)));
  }
  return Number.isNaN(worst) ? Number.POSITIVE_INFINITY : worst;
}

/**
 * input → bn_1 → conv 1×1 (3 → 5, fixed weights) → bn_2 → pooled → dense. The source
 * statistics of bn_1 are far from the data's, so bn_2's input depends strongly on whether bn_1
 * was adapted first.
 */
function twoBatchNormModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3] });
  let x = tfl.layers
    .batchNormalization({ name: 'bn_1', axis: -1, momentum: 0.99, epsilon: 1e-3 })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({ name: 'conv', filters: 5, kernelSize: 1, kernelInitializer: 'glorotUniform' })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .batchNormalization({ name: 'bn_2', axis: -1, epsilon: 1e-3 })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers
    .dense({ name: 'dense', units: 2, activation: 'softmax' })
    .apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  // Source-domain statistics unlike the target's: mean 100, variance 400.
  const bn1 = model.getLayer('bn_1');
  const [gamma, beta] = bn1.getWeights();
  bn1.setWeights([gamma as tf.Tensor, beta as tf.Tensor, tf.fill([3], 100), tf.fill([3], 400)]);
  return model;
}

async function weightsOf(model: tfl.LayersModel): Promise<Map<string, Float32Array>> {
  const result = new Map<string, Float32Array>();
  for (const weight of model.weights) {
    result.set(weight.originalName, (await weight.read().data()) as Float32Array);
  }
  return result;
}

describe('adaptBatchNorm', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('sets moving statistics to the population statistics of a known input (uneven batches)', async () => {
    const data = new PixelDataset(10, 1);
    const input = tfl.input({ shape: [size, size, 3] });
    const bn = tfl.layers.batchNormalization({ name: 'bn', axis: -1 });
    const model = tfl.model({ inputs: input, outputs: bn.apply(input) as tfl.SymbolicTensor });
    const report = await adaptBatchNorm({ model, data, preprocessing: identity, batchSize: 3 });
    const expected = handMoments(data.pixels, 3);
    const [, , movingMean, movingVariance] = model.getLayer('bn').getWeights();
    expect(maxAbsDifference(await (movingMean as tf.Tensor).data(), expected.mean)).toBeLessThan(
      1e-3,
    );
    // Relative to values around 100-1000: population (not sample) variance, not an EMA.
    expect(
      maxAbsDifference(await (movingVariance as tf.Tensor).data(), expected.variance),
    ).toBeLessThan(1e-2);
    expect(report).toMatchObject({ layersAdapted: 1, imagesSeen: 10, passes: 1, batchSize: 3 });
    expect(report.layers[0]?.path).toBe('bn');
    // The old statistics were mean 0 / variance 1: the shift is the new mean's norm.
    expect(report.layers[0]?.meanShift).toBeCloseTo(Math.hypot(...expected.mean), 2);
    model.dispose();
  });

  it('progressive: each layer sees the earlier layers already adapted (exact population statistics)', async () => {
    const data = new PixelDataset(12, 2);
    const model = twoBatchNormModel();
    const report = await adaptBatchNorm({
      model,
      data,
      preprocessing: identity,
      batchSize: 5,
      strategy: 'progressive',
    });
    expect(report.passes).toBe(2);
    // Hand computation: bn_2's input is conv(bn_1(x)) with bn_1 in inference mode, adapted.
    const probe = tfl.model({
      inputs: model.inputs,
      outputs: model.getLayer('conv').output as tfl.SymbolicTensor,
    });
    const convOutput = tf.tidy(
      () => probe.predict(tf.tensor4d(data.pixels, [12, size, size, 3])) as tf.Tensor,
    );
    const expected = handMoments(await convOutput.data(), 5);
    convOutput.dispose();
    const [, , movingMean, movingVariance] = model.getLayer('bn_2').getWeights();
    expect(maxAbsDifference(await (movingMean as tf.Tensor).data(), expected.mean)).toBeLessThan(
      1e-4,
    );
    expect(
      maxAbsDifference(await (movingVariance as tf.Tensor).data(), expected.variance),
    ).toBeLessThan(1e-4);
    // With bn_1's source statistics (mean 100), bn_2's input would be far from this.
    expect(Math.max(...expected.variance.map((value) => Math.abs(value)))).toBeGreaterThan(0.1);
    model.dispose();
  });

  it('one-pass equals progressive when one batch holds all the data, and differs little otherwise', async () => {
    const data = new PixelDataset(12, 3);
    // Same conv weights in every model: copy them from one reference.
    const reference = twoBatchNormModel();
    const run = async (batchSize: number, strategy: 'one-pass' | 'progressive') => {
      const model = twoBatchNormModel();
      model.getLayer('conv').setWeights(reference.getLayer('conv').getWeights());
      await adaptBatchNorm({ model, data, preprocessing: identity, batchSize, strategy });
      const [, , mean, variance] = model.getLayer('bn_2').getWeights();
      const result = {
        mean: (await (mean as tf.Tensor).data()) as Float32Array,
        variance: (await (variance as tf.Tensor).data()) as Float32Array,
      };
      model.dispose();
      return result;
    };
    const exact = await run(4, 'progressive');
    const wholeBatch = await run(12, 'one-pass');
    const smallBatches = await run(3, 'one-pass');
    reference.dispose();
    expect(maxAbsDifference(wholeBatch.mean, exact.mean)).toBeLessThan(1e-4);
    expect(maxAbsDifference(wholeBatch.variance, exact.variance)).toBeLessThan(1e-4);
    // Batch statistics in bn_1 (3 images = 48 values per channel) only perturb bn_2's input.
    const scale = Math.max(...exact.variance.map(Math.sqrt));
    expect(maxAbsDifference(smallBatches.mean, exact.mean)).toBeGreaterThan(0);
    expect(maxAbsDifference(smallBatches.mean, exact.mean)).toBeLessThan(0.5 * scale);
  });

  it('touches only moving statistics, restores instance-level call wrappers, leaks nothing', async () => {
    const data = new PixelDataset(6, 4);
    const model = twoBatchNormModel();
    const bn1 = model.getLayer('bn_1');
    // Stand-in for @graft/backbones' frozen-BatchNorm policy: an instance-level call wrapper.
    const original = (bn1 as unknown as { call: (...args: unknown[]) => unknown }).call.bind(bn1);
    const wrapper = (...args: unknown[]) => original(...args);
    Object.defineProperty(bn1, 'call', { value: wrapper, configurable: true, writable: true });
    const before = await weightsOf(model);
    for (const strategy of ['one-pass', 'progressive'] as const) {
      await expectNoTensorLeaks(() =>
        adaptBatchNorm({ model, data, preprocessing: identity, batchSize: 4, strategy }),
      );
    }
    const after = await weightsOf(model);
    for (const [name, values] of before) {
      const changed = maxAbsDifference(values, after.get(name) ?? []) > 0;
      expect([name, changed]).toEqual([name, /moving_(mean|variance)/.test(name)]);
    }
    expect((bn1 as unknown as { call: unknown }).call).toBe(wrapper);
    expect(Object.hasOwn(model.getLayer('bn_2'), 'call')).toBe(false);
    model.dispose();
  });

  it('finds BatchNorm layers inside nested models, and honours includeLayer', async () => {
    const data = new PixelDataset(4, 5);
    const headInput = tfl.input({ shape: [3] });
    const head = tfl.model({
      name: 'head',
      inputs: headInput,
      outputs: tfl.layers
        .batchNormalization({ name: 'head_bn' })
        .apply(headInput) as tfl.SymbolicTensor,
    });
    const input = tfl.input({ shape: [size, size, 3] });
    let x = tfl.layers.batchNormalization({ name: 'stem_bn' }).apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: head.apply(x) as tfl.SymbolicTensor });
    expect(findBatchNormLayers(model).map((layer) => layer.path)).toEqual([
      'stem_bn',
      'head/head_bn',
    ]);
    const report = await adaptBatchNorm({
      model,
      data,
      preprocessing: identity,
      includeLayer: (path) => path.startsWith('head/'),
    });
    expect(report.layers.map((layer) => layer.path)).toEqual(['head/head_bn']);
    const [, , stemMean] = model.getLayer('stem_bn').getWeights();
    expect(Array.from(await (stemMean as tf.Tensor).data())).toEqual([0, 0, 0]);
    // head_bn's input: per-image channel means of the stem's output, with stem_bn in batch mode
    // but not measured, so in inference mode: mean 0, variance 1 → the pooled pixels themselves.
    const pooled = tf.tidy(() => tf.mean(tf.tensor4d(data.pixels, [4, size, size, 3]), [1, 2]));
    const expected = handMoments(
      Array.from(await pooled.data()).map((value) => value / Math.sqrt(1 + 1e-3)),
      3,
    );
    pooled.dispose();
    const [, , headMean] = head.getLayer('head_bn').getWeights();
    expect(maxAbsDifference(await (headMean as tf.Tensor).data(), expected.mean)).toBeLessThan(
      1e-3,
    );
    model.dispose();
  });

  it('validates its options', async () => {
    const data = new PixelDataset(2, 6);
    const model = twoBatchNormModel();
    const base = { model, data, preprocessing: identity };
    await expect(adaptBatchNorm({ ...base, batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(adaptBatchNorm({ ...base, strategy: 'ema' as never })).rejects.toThrow(
      /one-pass, progressive/,
    );
    await expect(adaptBatchNorm({ ...base, includeLayer: () => false })).rejects.toThrow(
      /BatchNormalization/,
    );
    const input = tfl.input({ shape: [size, size, 3] });
    const plain = tfl.model({
      inputs: input,
      outputs: tfl.layers.flatten().apply(input) as tfl.SymbolicTensor,
    });
    await expect(adaptBatchNorm({ ...base, model: plain })).rejects.toThrow(/BatchNormalization/);
    plain.dispose();
    model.dispose();
  });
});
