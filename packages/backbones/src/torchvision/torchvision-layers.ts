import * as tfl from '@tensorflow/tfjs-layers';
import { hardSigmoid } from '../layers/hard-sigmoid.js';
import { hardSwish } from '../layers/hard-swish.js';

/** Activations of torchvision's mobile networks. */
export type TorchvisionActivation = 'relu' | 'hardswish' | 'silu' | 'sigmoid' | 'hardsigmoid';

/** Options of {@link TorchvisionLayers.convolutionNormActivation}. */
export interface ConvolutionNormActivationOptions {
  /** Module path of the torchvision `Conv2dNormActivation`, e.g. `features.3.block.1`. */
  prefix: string;
  /** Output channels (ignored for a depthwise convolution, which keeps its input's). */
  filters: number;
  /** Square kernel size (odd). */
  kernelSize: number;
  /** Stride. Default 1. */
  strides?: number;
  /** A depthwise convolution (`groups = channels`). Default `false`. */
  depthwise?: boolean;
  /** Activation after the BatchNorm; `undefined` for none (projection convolutions). */
  activation?: TorchvisionActivation;
}

/**
 * Builds torchvision modules as tfjs-layers layers named by their module paths, so that a
 * state-dict key `<path>.<parameter>` maps onto one layer (see `loadTorchStateDict`).
 *
 * Padding reproduces PyTorch's symmetric `(k − 1) / 2`: strided convolutions get an explicit
 * `zeroPadding2d` and `valid` (tfjs `same` pads asymmetrically at stride 2); stride-1 odd kernels
 * use `same`, which is symmetric. Without a seed, weights start at zero/one (cheap: they are
 * loaded right after); with one, convolutions are Kaiming-normal fan-out as in torchvision.
 */
export class TorchvisionLayers {
  /** BatchNorm epsilon: 1e-3 in MobileNetV3, PyTorch's default 1e-5 in EfficientNet B0–B7. */
  private readonly batchNormEpsilon: number;

  private seed: number | undefined;

  constructor(options: { batchNormEpsilon: number; seed?: number }) {
    this.batchNormEpsilon = options.batchNormEpsilon;
    this.seed = options.seed;
  }

  /** A seeded initialiser (fan-out He normal for kernels, uniform ±1/√fan-in for dense), or zeros. */
  initializer(
    kind: 'convolution' | 'dense',
  ): ReturnType<typeof tfl.initializers.varianceScaling> | 'zeros' {
    if (this.seed === undefined) return 'zeros';
    this.seed += 1;
    return kind === 'convolution'
      ? tfl.initializers.varianceScaling({
          scale: 2,
          mode: 'fanOut',
          distribution: 'normal',
          seed: this.seed,
        })
      : tfl.initializers.varianceScaling({
          scale: 1 / 3,
          mode: 'fanIn',
          distribution: 'uniform',
          seed: this.seed,
        });
  }

  /** torchvision `Conv2dNormActivation`: `<prefix>.0` convolution, `<prefix>.1` BatchNorm, activation. */
  convolutionNormActivation(
    input: tfl.SymbolicTensor,
    options: ConvolutionNormActivationOptions,
  ): tfl.SymbolicTensor {
    const { prefix, kernelSize } = options;
    const strides = options.strides ?? 1;
    const padding = (kernelSize - 1) / 2;
    const explicit = strides > 1 && padding > 0;
    let x = input;
    if (explicit) {
      x = apply(tfl.layers.zeroPadding2d({ padding, name: `${prefix}.0_pad` }), x);
    }
    const common = {
      name: `${prefix}.0`,
      kernelSize,
      strides,
      padding: explicit || padding === 0 ? ('valid' as const) : ('same' as const),
      useBias: false,
    };
    x = apply(
      options.depthwise === true
        ? tfl.layers.depthwiseConv2d({
            ...common,
            depthMultiplier: 1,
            depthwiseInitializer: this.initializer('convolution'),
          })
        : tfl.layers.conv2d({
            ...common,
            filters: options.filters,
            kernelInitializer: this.initializer('convolution'),
          }),
      x,
    );
    x = apply(
      tfl.layers.batchNormalization({
        name: `${prefix}.1`,
        axis: -1,
        epsilon: this.batchNormEpsilon,
        // PyTorch momentum 0.1 (weight of the new batch) = Keras momentum 0.9. MobileNetV3 uses
        // 0.01 in torchvision; fine-tuning here keeps Keras's convention of 0.9 for every family.
        momentum: 0.9,
      }),
      x,
    );
    return options.activation === undefined
      ? x
      : this.activation(x, options.activation, `${prefix}.2`);
  }

  /** An activation layer named `name`. */
  activation(
    input: tfl.SymbolicTensor,
    activation: TorchvisionActivation,
    name: string,
  ): tfl.SymbolicTensor {
    switch (activation) {
      case 'hardswish':
        return apply(hardSwish({ name }), input);
      case 'hardsigmoid':
        return apply(hardSigmoid({ name }), input);
      case 'silu':
        // tfjs-layers' `swish` is x·sigmoid(x), PyTorch's SiLU.
        return apply(tfl.layers.activation({ activation: 'swish', name }), input);
      case 'relu':
        return apply(tfl.layers.reLU({ name }), input);
      case 'sigmoid':
        return apply(tfl.layers.activation({ activation: 'sigmoid', name }), input);
    }
  }

  /**
   * torchvision `SqueezeExcitation` at `<prefix>`: global average pool → `<prefix>.fc1` (1x1 conv
   * with bias) → activation → `<prefix>.fc2` → gate → input × gate (broadcast over H, W).
   */
  squeezeExcitation(
    input: tfl.SymbolicTensor,
    options: {
      prefix: string;
      squeezeChannels: number;
      activation: TorchvisionActivation;
      gate: TorchvisionActivation;
    },
  ): tfl.SymbolicTensor {
    const { prefix } = options;
    const channels = input.shape[3] as number;
    let scale = apply(tfl.layers.globalAveragePooling2d({ name: `${prefix}.avgpool` }), input);
    // tfjs-layers 4.22 ignores GlobalPooling2D's keepDims when building the graph: reshape instead.
    scale = apply(
      tfl.layers.reshape({ targetShape: [1, 1, channels], name: `${prefix}.avgpool_reshape` }),
      scale,
    );
    scale = apply(
      tfl.layers.conv2d({
        name: `${prefix}.fc1`,
        filters: options.squeezeChannels,
        kernelSize: 1,
        kernelInitializer: this.initializer('convolution'),
      }),
      scale,
    );
    scale = this.activation(scale, options.activation, `${prefix}.activation`);
    scale = apply(
      tfl.layers.conv2d({
        name: `${prefix}.fc2`,
        filters: channels,
        kernelSize: 1,
        kernelInitializer: this.initializer('convolution'),
      }),
      scale,
    );
    scale = this.activation(scale, options.gate, `${prefix}.scale_activation`);
    return apply(tfl.layers.multiply({ name: `${prefix}.multiply` }), [input, scale]);
  }
}

/** Applies a layer to one or more symbolic tensors. */
export function apply(
  layer: tfl.layers.Layer,
  input: tfl.SymbolicTensor | tfl.SymbolicTensor[],
): tfl.SymbolicTensor {
  return layer.apply(input) as tfl.SymbolicTensor;
}

/** A dense layer named `name` (a torchvision `nn.Linear`). */
export function dense(
  layers: TorchvisionLayers,
  input: tfl.SymbolicTensor,
  options: { name: string; units: number },
): tfl.SymbolicTensor {
  return apply(
    tfl.layers.dense({
      ...options,
      kernelInitializer: layers.initializer('dense'),
      biasInitializer: 'zeros',
    }),
    input,
  );
}
