import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Backbone, UnfreezeOptions } from '../types/backbone.js';
import type { JsonObject } from '../types/json.js';
import type { Preprocessing } from '../types/preprocessing.js';

/** Options of {@link tinyBackbone}. */
export interface TinyBackboneOptions {
  /** Input height and width. Default `[16, 16]`. */
  inputSize?: readonly [number, number];
  /** Channels of the last conv block = `featureDim`. Default 8. */
  featureDim?: number;
  /** Seed of the glorot initialisation. Default 1. */
  seed?: number;
}

/**
 * A tiny random CNN (conv → BN → relu, twice, then global average pooling) that fulfils the
 * {@link Backbone} contract, for fast unit tests of code that consumes backbones. Stages:
 * `stage1`, `stage2`. Not a pretrained model, and it does not enforce the frozen-BatchNorm
 * inference-mode policy (the backbones package does that for real backbones).
 */
export function tinyBackbone(options: TinyBackboneOptions = {}): Backbone {
  const [height, width] = options.inputSize ?? [16, 16];
  const featureDim = options.featureDim ?? 8;
  const seed = options.seed ?? 1;
  const input = tfl.input({ shape: [height, width, 3], name: 'input' });
  let x = tfl.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      name: 'stage1_conv',
      kernelInitializer: tfl.initializers.glorotUniform({ seed }),
    })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'stage1_bn' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ name: 'stage1_relu' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({
      filters: featureDim,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      name: 'stage2_conv',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
    })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'stage2_bn' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ name: 'stage2_relu' }).apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output, name: 'tiny_backbone' });

  const preprocessing: Preprocessing = {
    inputSize: [height, width],
    channelOrder: 'rgb',
    inputRange: [-1, 1],
    mean: [0, 0, 0],
    std: [1, 1, 1],
    resize: { mode: 'stretch', interpolation: 'bilinear' },
  };
  const stages = ['stage1', 'stage2'] as const;

  return {
    name: 'tiny',
    preprocessing,
    featureDim,
    weightsId: `tiny:${height}x${width}:${featureDim}:seed${seed}`,
    model,
    stages,
    freeze() {
      for (const layer of model.layers) layer.trainable = false;
    },
    unfreeze(unfreezeOptions: UnfreezeOptions = {}) {
      const fromIndex =
        unfreezeOptions.from === undefined
          ? 0
          : model.layers.findIndex((layer) => layer.name.startsWith(unfreezeOptions.from ?? ''));
      const selector = unfreezeOptions.layers;
      // Honours `layers` like the real backbones, so the trainer's frozen-BatchNorm policy is
      // exercised by the tests that use this backbone.
      const selected = (layer: tfl.layers.Layer) =>
        selector === undefined ||
        (typeof selector === 'string'
          ? layer.name === selector
          : selector instanceof RegExp
            ? new RegExp(selector.source, selector.flags).test(layer.name)
            : selector(layer));
      model.layers.forEach((layer, index) => {
        if (index >= Math.max(fromIndex, 0) && selected(layer)) layer.trainable = true;
      });
    },
    getConfig(): JsonObject {
      return { name: 'tiny', inputSize: [height, width], featureDim, seed };
    },
    dispose() {
      model.dispose();
    },
  };
}

/** Random `[N, H, W, 3]` pixels in [0, 255] from a seed; the caller disposes. */
export function randomImages(options: {
  /** Batch size. */
  count: number;
  /** Height and width. */
  size: readonly [number, number];
  /** Seed. Default 0. */
  seed?: number;
}): tf.Tensor4D {
  return tf.randomUniform(
    [options.count, options.size[0], options.size[1], 3],
    0,
    255,
    'float32',
    options.seed ?? 0,
  ) as tf.Tensor4D;
}
