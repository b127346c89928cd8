import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { correctPad, makeDivisible } from './make-divisible.js';

/** Width multipliers Keras publishes ImageNet weights for. */
export const mobileNetV2Alphas = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4] as const;

/** A MobileNetV2 width multiplier. */
export type MobileNetV2Alpha = (typeof mobileNetV2Alphas)[number];

/** Options of {@link buildMobileNetV2}. */
export interface BuildMobileNetV2Options {
  /** Width multiplier. Default 1.0. */
  alpha?: MobileNetV2Alpha;
  /** Input height and width, each ≥ 32. Default `[224, 224]`. */
  inputSize?: readonly [number, number];
  /** Add global average pooling and the `predictions` dense classifier. Default `false`. */
  includeTop?: boolean;
  /** Without top: `avg` / `max` global pooling, or `none` (the `[N, h, w, C]` map). Default `none`. */
  pooling?: 'avg' | 'max' | 'none';
  /** Classes of the classifier (with `includeTop`). Default 1000. */
  classes?: number;
  /** Classifier activation (with `includeTop`): `softmax` (Keras default) or `linear` logits. */
  classifierActivation?: 'softmax' | 'linear';
  /** Seed of the random (glorot uniform) initialisation; each layer gets `seed + index`. */
  seed?: number;
  /**
   * Draw the random initial kernels. Default `true`. `false` fills them with zeros instead, for
   * a build whose every weight is overwritten by pretrained values next (drawing them cost tens
   * of milliseconds at start-up); the layers' configs still name the glorot-uniform initialiser
   * and its seed, so the model's topology (and what keys its feature caches) stays the same.
   */
  drawWeights?: boolean;
}

/** One row of the MobileNetV2 body: output filters (before alpha), stride, expansion. */
const blocks: ReadonlyArray<readonly [filters: number, stride: 1 | 2, expansion: number]> = [
  [16, 1, 1],
  [24, 2, 6],
  [24, 1, 6],
  [32, 2, 6],
  [32, 1, 6],
  [32, 1, 6],
  [64, 2, 6],
  [64, 1, 6],
  [64, 1, 6],
  [64, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [160, 2, 6],
  [160, 1, 6],
  [160, 1, 6],
  [320, 1, 6],
];

/** Stages usable as `unfreeze({ from })`: `Conv1`, `expanded_conv`, `block_1` … `block_16`, `Conv_1`. */
export const mobileNetV2Stages: readonly string[] = [
  'Conv1',
  'expanded_conv',
  ...Array.from({ length: 16 }, (_, index) => `block_${index + 1}`),
  'Conv_1',
];

/**
 * Builds MobileNetV2 in tfjs-layers with the topology, layer names and layer configs of
 * `keras.applications.MobileNetV2` (keras-applications 1.0.8 / TF 2.x graph as Teachable Machine
 * serialises it: `Conv1_pad` + valid stride-2 conv, `block_N_pad` before stride-2 depthwise convs,
 * BatchNorm epsilon 1e-3 momentum 0.999, ReLU6), so Keras weights load by layer and weight name.
 * Weights are random (or zeros, see `drawWeights`); load pretrained ones with the weight
 * loaders. The caller owns the model and disposes it.
 */
export function buildMobileNetV2(options: BuildMobileNetV2Options = {}): tfl.LayersModel {
  const alpha = options.alpha ?? 1.0;
  if (!mobileNetV2Alphas.includes(alpha)) {
    throw new InvalidArgumentError({
      argument: 'alpha',
      value: alpha,
      expected: `must be one of: ${mobileNetV2Alphas.join(', ')}`,
    });
  }
  const inputSize = options.inputSize ?? [224, 224];
  const [height, width] = inputSize;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 32 || width < 32) {
    throw new InvalidArgumentError({
      argument: 'inputSize',
      value: inputSize,
      expected: 'must be two integers ≥ 32',
    });
  }
  const pooling = options.pooling ?? 'none';
  if (!['avg', 'max', 'none'].includes(pooling)) {
    throw new InvalidArgumentError({
      argument: 'pooling',
      value: pooling,
      expected: 'must be one of: avg, max, none',
    });
  }
  let seed = options.seed;
  const drawWeights = options.drawWeights ?? true;
  const kernelInitializer = () => {
    const initializer = tfl.initializers.glorotUniform(seed === undefined ? {} : { seed: seed++ });
    // Only the draw changes: the class and config stay the initialiser's own.
    // Weight shapes are concrete: addWeight never asks for a dimension it does not know.
    if (!drawWeights) initializer.apply = (shape, dtype) => tf.zeros(shape as number[], dtype);
    return initializer;
  };

  const input = tfl.input({ shape: [height, width, 3], name: 'input_1' });
  const spatial = (tensor: tfl.SymbolicTensor): [number, number] => [
    tensor.shape[1] as number,
    tensor.shape[2] as number,
  ];
  const batchNorm = (name: string) =>
    tfl.layers.batchNormalization({ axis: -1, epsilon: 1e-3, momentum: 0.999, name });
  const relu6 = (name: string) => tfl.layers.reLU({ maxValue: 6, name });
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) =>
    layer.apply(x) as tfl.SymbolicTensor;

  const firstFilters = makeDivisible(32 * alpha, 8);
  let x = apply(
    tfl.layers.zeroPadding2d({ padding: correctPad(spatial(input), 3), name: 'Conv1_pad' }),
    input,
  );
  x = apply(
    tfl.layers.conv2d({
      filters: firstFilters,
      kernelSize: 3,
      strides: 2,
      padding: 'valid',
      useBias: false,
      name: 'Conv1',
      kernelInitializer: kernelInitializer(),
    }),
    x,
  );
  x = apply(batchNorm('bn_Conv1'), x);
  x = apply(relu6('Conv1_relu'), x);

  blocks.forEach(([filters, stride, expansion], blockId) => {
    const inputs = x;
    const inChannels = inputs.shape[3] as number;
    const pointwiseFilters = makeDivisible(Math.trunc(filters * alpha), 8);
    let prefix = `block_${blockId}_`;
    if (blockId > 0) {
      x = apply(
        tfl.layers.conv2d({
          filters: expansion * inChannels,
          kernelSize: 1,
          padding: 'same',
          useBias: false,
          name: `${prefix}expand`,
          kernelInitializer: kernelInitializer(),
        }),
        x,
      );
      x = apply(batchNorm(`${prefix}expand_BN`), x);
      x = apply(relu6(`${prefix}expand_relu`), x);
    } else {
      prefix = 'expanded_conv_';
    }
    if (stride === 2) {
      x = apply(
        tfl.layers.zeroPadding2d({ padding: correctPad(spatial(x), 3), name: `${prefix}pad` }),
        x,
      );
    }
    x = apply(
      tfl.layers.depthwiseConv2d({
        kernelSize: 3,
        strides: stride,
        useBias: false,
        padding: stride === 1 ? 'same' : 'valid',
        name: `${prefix}depthwise`,
        depthwiseInitializer: kernelInitializer(),
      }),
      x,
    );
    x = apply(batchNorm(`${prefix}depthwise_BN`), x);
    x = apply(relu6(`${prefix}depthwise_relu`), x);
    x = apply(
      tfl.layers.conv2d({
        filters: pointwiseFilters,
        kernelSize: 1,
        padding: 'same',
        useBias: false,
        name: `${prefix}project`,
        kernelInitializer: kernelInitializer(),
      }),
      x,
    );
    x = apply(batchNorm(`${prefix}project_BN`), x);
    if (inChannels === pointwiseFilters && stride === 1) {
      x = apply(tfl.layers.add({ name: `${prefix}add` }), [inputs, x]);
    }
  });

  const lastFilters = alpha > 1.0 ? makeDivisible(1280 * alpha, 8) : 1280;
  x = apply(
    tfl.layers.conv2d({
      filters: lastFilters,
      kernelSize: 1,
      useBias: false,
      name: 'Conv_1',
      kernelInitializer: kernelInitializer(),
    }),
    x,
  );
  x = apply(batchNorm('Conv_1_bn'), x);
  x = apply(relu6('out_relu'), x);

  if (options.includeTop === true) {
    x = apply(tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }), x);
    x = apply(
      tfl.layers.dense({
        units: options.classes ?? 1000,
        activation: options.classifierActivation ?? 'softmax',
        name: 'predictions',
        kernelInitializer: kernelInitializer(),
      }),
      x,
    );
  } else if (pooling === 'avg') {
    x = apply(tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }), x);
  } else if (pooling === 'max') {
    x = apply(tfl.layers.globalMaxPooling2d({ name: 'global_max_pooling2d' }), x);
  }
  const name = `mobilenetv2_${alpha.toFixed(2)}_${height}`;
  return tfl.model({ inputs: input, outputs: x, name });
}

/** Feature dimension (channels of `out_relu`) of MobileNetV2 at width multiplier `alpha`. */
export function mobileNetV2FeatureDim(alpha: MobileNetV2Alpha): number {
  return alpha > 1.0 ? makeDivisible(1280 * alpha, 8) : 1280;
}
