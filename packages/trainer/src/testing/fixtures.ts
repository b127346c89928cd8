// Test fixtures: an in-memory dataset of coloured images, a dense head and a plain backbone.
// `ColourDataset` and `denseHead` are published in `@graft/trainer/testing` (the benches use them).
import type {
  Backbone,
  BatchOptions,
  Head,
  ImageBatch,
  ImageDataset,
  JsonObject,
} from '@graft/core';
import { InvalidArgumentError, SeededRandom } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Colour of each class (RGB in [0, 255]); images are the colour plus noise. */
const palette: Array<[number, number, number]> = [
  [220, 40, 40],
  [40, 60, 220],
  [40, 200, 60],
  [220, 210, 40],
];

/** Options of {@link ColourDataset}. */
export interface ColourDatasetOptions {
  /** Number of images. */
  count: number;
  /** Image `[height, width]`. Default `[16, 16]`. */
  size?: readonly [number, number];
  /** Number of classes, at most 4 (one palette colour each). Default 3. */
  numClasses?: number;
  /** Seed of the noise (and of the content keys). Default 0. */
  seed?: number;
  /** Largest absolute noise added to each channel. Default 80. */
  noise?: number;
  /** Give each image a content key (as an image folder does). Default true. */
  withKeys?: boolean;
}

/**
 * A labelled dataset held in memory: `count` images of `size`, class `i % numClasses`, each a
 * class colour plus uniform noise. Counts how many batches it served.
 */
export class ColourDataset implements ImageDataset {
  readonly classNames: readonly string[];
  readonly size: number;
  private readonly pixels: Float32Array;
  private readonly labelList: number[];
  private readonly imageSize: readonly [number, number];
  /** Number of batches yielded so far. */
  batchesServed = 0;

  constructor(options: ColourDatasetOptions) {
    const numClasses = options.numClasses ?? 3;
    this.classNames = palette.slice(0, numClasses).map((_, index) => `class_${index}`);
    this.size = options.count;
    this.imageSize = options.size ?? [16, 16];
    this.withKeys = options.withKeys ?? true;
    this.keyPrefix = `colour-${options.seed ?? 0}-${options.count}`;
    const random = new SeededRandom(options.seed ?? 0);
    const [height, width] = this.imageSize;
    const stride = height * width * 3;
    this.pixels = new Float32Array(options.count * stride);
    this.labelList = [];
    const noise = options.noise ?? 80;
    for (let image = 0; image < options.count; image++) {
      const label = image % numClasses;
      this.labelList.push(label);
      const colour = palette[label] as [number, number, number];
      for (let pixel = 0; pixel < height * width; pixel++) {
        for (let channel = 0; channel < 3; channel++) {
          const value = colour[channel] as number;
          this.pixels[image * stride + pixel * 3 + channel] = Math.min(
            255,
            Math.max(0, value + random.uniform(-noise, noise)),
          );
        }
      }
    }
  }

  private readonly withKeys: boolean;
  private readonly keyPrefix: string;

  labels(): readonly number[] {
    return this.labelList;
  }

  async *batches(options: BatchOptions): AsyncIterable<ImageBatch> {
    const order = Array.from({ length: this.size }, (_, index) => index);
    if (options.shuffle) {
      new SeededRandom(`${options.seed ?? 0}:${options.epoch ?? 0}`).shuffle(order);
    }
    const [height, width] = this.imageSize;
    const stride = height * width * 3;
    for (let start = 0; start < this.size; start += options.batchSize) {
      if (options.signal?.aborted) throw options.signal.reason;
      const rows = order.slice(start, start + options.batchSize);
      if (options.dropRemainder && rows.length < options.batchSize) return;
      const data = new Float32Array(rows.length * stride);
      rows.forEach((row, index) => {
        data.set(this.pixels.subarray(row * stride, (row + 1) * stride), index * stride);
      });
      this.batchesServed++;
      yield {
        images: tf.tensor4d(data, [rows.length, height, width, 3]),
        labels: tf.tensor1d(
          rows.map((row) => this.labelList[row] as number),
          'int32',
        ),
        ...(this.withKeys ? { keys: rows.map((row) => `${this.keyPrefix}-${row}`) } : {}),
        sources: rows.map((row) => `memory://${row}.png`),
      };
    }
  }
}

/** Options of {@link denseHead}. */
export interface DenseHeadOptions {
  /** Length of the feature vectors the head reads. */
  featureDim: number;
  /** Number of outputs. */
  numClasses: number;
  /** Seed of the kernel initialisers. Default 0. */
  seed?: number;
  /** Units of a ReLU hidden layer before the output; omit for none. */
  hidden?: number;
  /** Output activation. Default `softmax`. */
  activation?: 'softmax' | 'sigmoid';
}

/** A dense softmax (or sigmoid) head with a fixed seed, implementing {@link Head}. */
export function denseHead(options: DenseHeadOptions): Head {
  const activation = options.activation ?? 'softmax';
  const input = tfl.input({ shape: [options.featureDim], name: 'features' });
  let x = input;
  if (options.hidden) {
    x = tfl.layers
      .dense({
        units: options.hidden,
        activation: 'relu',
        name: 'head_hidden',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: (options.seed ?? 0) + 100 }),
      })
      .apply(x) as tfl.SymbolicTensor;
  }
  const output = tfl.layers
    .dense({
      units: options.numClasses,
      activation,
      name: 'head_output',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: options.seed ?? 0 }),
    })
    .apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output, name: 'dense_head' });
  return {
    name: 'dense',
    activation,
    model,
    getConfig(): JsonObject {
      return {
        name: 'dense',
        featureDim: options.featureDim,
        numClasses: options.numClasses,
        ...(options.hidden ? { hidden: options.hidden } : {}),
      };
    },
    dispose() {
      model.dispose();
    },
  };
}

/**
 * Like core's `tinyBackbone` but without BatchNorm (conv → relu, twice, then average pooling),
 * so training-mode and inference-mode outputs agree and micro-batching is exact. With
 * `splittable`, it implements `split({ before: 'stage2' })` by hand (the backbones package's
 * `splitAtBoundary` does this for real backbones; the trainer cannot depend on it).
 */
export function plainBackbone(
  options: { featureDim?: number; seed?: number; splittable?: boolean } = {},
): Backbone {
  const featureDim = options.featureDim ?? 8;
  const seed = options.seed ?? 1;
  const input = tfl.input({ shape: [16, 16, 3], name: 'input' });
  let x = tfl.layers
    .conv2d({
      filters: 6,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      name: 'stage1_conv',
      kernelInitializer: tfl.initializers.glorotUniform({ seed }),
    })
    .apply(input) as tfl.SymbolicTensor;
  const boundary = x;
  x = tfl.layers
    .conv2d({
      filters: featureDim,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      name: 'stage2_conv',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
    })
    .apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output, name: 'plain_backbone' });
  const split = (splitOptions: { before: string }) => {
    if (splitOptions.before !== 'stage2') {
      throw new InvalidArgumentError({
        argument: 'before',
        value: splitOptions.before,
        expected: 'valid boundaries: stages stage2',
      });
    }
    const suffixInput = tfl.input({ shape: [8, 8, 6], name: 'stage2_input' });
    const features = model
      .getLayer('pool')
      .apply(model.getLayer('stage2_conv').apply(suffixInput)) as tfl.SymbolicTensor;
    const suffix = tfl.model({ inputs: suffixInput, outputs: features, name: 'plain_suffix' });
    return {
      before: 'stage2',
      prefix: tfl.model({ inputs: input, outputs: boundary, name: 'plain_prefix' }),
      suffix,
      activationShape: [8, 8, 6],
      dispose: () => suffix.dispose(),
    };
  };
  return {
    ...(options.splittable ? { split } : {}),
    name: 'plain',
    preprocessing: {
      inputSize: [16, 16],
      channelOrder: 'rgb',
      inputRange: [-1, 1],
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: { mode: 'stretch', interpolation: 'bilinear' },
    },
    featureDim,
    weightsId: `plain:${featureDim}:seed${seed}`,
    model,
    stages: ['stage1', 'stage2'],
    freeze() {
      for (const layer of model.layers) layer.trainable = false;
    },
    unfreeze(unfreezeOptions = {}) {
      const from = unfreezeOptions.from;
      const fromIndex =
        from === undefined ? 0 : model.layers.findIndex((layer) => layer.name.startsWith(from));
      model.layers.forEach((layer, index) => {
        if (index >= Math.max(fromIndex, 0)) layer.trainable = true;
      });
    },
    getConfig: () => ({ name: 'plain', featureDim, seed }),
    dispose: () => model.dispose(),
  };
}
