import { InvalidArgumentError } from '@graft/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { makeDivisible } from '../mobilenet-v2/make-divisible.js';
import {
  apply,
  dense,
  type TorchvisionActivation,
  TorchvisionLayers,
} from '../torchvision/torchvision-layers.js';

/** The two MobileNetV3 sizes torchvision ships ImageNet weights for. */
export type MobileNetV3Variant = 'small' | 'large';

/** The valid {@link MobileNetV3Variant}s. */
export const mobileNetV3Variants: readonly MobileNetV3Variant[] = ['small', 'large'];

/** One inverted-residual block of torchvision's `_mobilenet_v3_conf` (width multiplier 1.0). */
interface BlockConfiguration {
  input: number;
  kernel: number;
  expanded: number;
  output: number;
  squeezeExcitation: boolean;
  activation: TorchvisionActivation;
  stride: number;
}

function block(
  input: number,
  kernel: number,
  expanded: number,
  output: number,
  squeezeExcitation: boolean,
  activation: 'RE' | 'HS',
  stride: number,
): BlockConfiguration {
  return {
    input,
    kernel,
    expanded,
    output,
    squeezeExcitation,
    activation: activation === 'HS' ? 'hardswish' : 'relu',
    stride,
  };
}

/** Blocks and classifier width of each variant (torchvision `mobilenetv3.py`). */
const configurations: Record<
  MobileNetV3Variant,
  { blocks: BlockConfiguration[]; lastChannel: number }
> = {
  large: {
    blocks: [
      block(16, 3, 16, 16, false, 'RE', 1),
      block(16, 3, 64, 24, false, 'RE', 2),
      block(24, 3, 72, 24, false, 'RE', 1),
      block(24, 5, 72, 40, true, 'RE', 2),
      block(40, 5, 120, 40, true, 'RE', 1),
      block(40, 5, 120, 40, true, 'RE', 1),
      block(40, 3, 240, 80, false, 'HS', 2),
      block(80, 3, 200, 80, false, 'HS', 1),
      block(80, 3, 184, 80, false, 'HS', 1),
      block(80, 3, 184, 80, false, 'HS', 1),
      block(80, 3, 480, 112, true, 'HS', 1),
      block(112, 3, 672, 112, true, 'HS', 1),
      block(112, 5, 672, 160, true, 'HS', 2),
      block(160, 5, 960, 160, true, 'HS', 1),
      block(160, 5, 960, 160, true, 'HS', 1),
    ],
    lastChannel: 1280,
  },
  small: {
    blocks: [
      block(16, 3, 16, 16, true, 'RE', 2),
      block(16, 3, 72, 24, false, 'RE', 2),
      block(24, 3, 88, 24, false, 'RE', 1),
      block(24, 5, 96, 40, true, 'HS', 2),
      block(40, 5, 240, 40, true, 'HS', 1),
      block(40, 5, 240, 40, true, 'HS', 1),
      block(40, 5, 120, 48, true, 'HS', 1),
      block(48, 5, 144, 48, true, 'HS', 1),
      block(48, 5, 288, 96, true, 'HS', 2),
      block(96, 5, 576, 96, true, 'HS', 1),
      block(96, 5, 576, 96, true, 'HS', 1),
    ],
    lastChannel: 1024,
  },
};

function checkVariant(variant: MobileNetV3Variant): void {
  if (!mobileNetV3Variants.includes(variant)) {
    throw new InvalidArgumentError({
      argument: 'variant',
      value: variant,
      expected: `must be one of: ${mobileNetV3Variants.join(', ')}`,
    });
  }
}

/** Length of the pooled feature vector: 576 (small) or 960 (large), 6 × the last block's output. */
export function mobileNetV3FeatureDim(variant: MobileNetV3Variant): number {
  checkVariant(variant);
  return 6 * (configurations[variant].blocks.at(-1)?.output ?? 0);
}

/**
 * Stages usable as `unfreeze({ from })`: torchvision's `features.1` … (one per inverted-residual
 * block) and the last 1x1 convolution, `features.12` (small) or `features.16` (large).
 */
export function mobileNetV3Stages(variant: MobileNetV3Variant): string[] {
  checkVariant(variant);
  return configurations[variant].blocks
    .map((_, index) => `features.${index + 1}`)
    .concat(`features.${configurations[variant].blocks.length + 1}`);
}

/** The last convolution's hard-swish, whose map global pooling reads (Grad-CAM's target). */
export function mobileNetV3FeatureMapLayer(variant: MobileNetV3Variant): string {
  return `${mobileNetV3Stages(variant).at(-1)}.2`;
}

/** Options of {@link buildMobileNetV3}. */
export interface BuildMobileNetV3Options {
  /** `small` or `large`. */
  variant: MobileNetV3Variant;
  /** Input height and width. Default `[224, 224]`; any size ≥ 32 works. */
  inputSize?: readonly [number, number];
  /** Add the classifier (`classifier.0` → hard-swish → `classifier.3`, logits). Default `false`. */
  includeTop?: boolean;
  /** Classes of the classifier. Default 1000. */
  classes?: number;
  /** Initialise weights randomly from this seed; omit when weights are loaded right away. */
  seed?: number;
  /** Model name. Default `mobilenet_v3_<variant>`. */
  name?: string;
}

/**
 * Builds torchvision's MobileNetV3 (width 1.0) as a tfjs-layers functional model taking NHWC
 * input, with layers named by torchvision module paths (`features.0.0`, `features.4.block.2.fc1`,
 * `classifier.3` …) so a torchvision state dict loads with `loadTorchStateDict`. Hard-swish and
 * the hard-sigmoid gate of squeeze-excitation are PyTorch's (`x·relu6(x+3)/6`); BatchNorm ε 1e-3.
 * Output: pooled features `[N, 576 | 960]`, or logits `[N, classes]` with `includeTop`.
 */
export function buildMobileNetV3(options: BuildMobileNetV3Options): tfl.LayersModel {
  const { variant } = options;
  checkVariant(variant);
  const [height, width] = options.inputSize ?? [224, 224];
  if (!(Number.isInteger(height) && Number.isInteger(width) && height >= 32 && width >= 32)) {
    throw new InvalidArgumentError({
      argument: 'inputSize',
      value: options.inputSize,
      expected: 'must be two integers ≥ 32',
    });
  }
  const { blocks, lastChannel } = configurations[variant];
  const layers = new TorchvisionLayers({
    batchNormEpsilon: 1e-3,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  const input = tfl.input({ shape: [height, width, 3], name: 'input' });
  let x = layers.convolutionNormActivation(input, {
    prefix: 'features.0',
    filters: 16,
    kernelSize: 3,
    strides: 2,
    activation: 'hardswish',
  });
  blocks.forEach((configuration, index) => {
    x = invertedResidual(layers, x, configuration, `features.${index + 1}`);
  });
  const last = `features.${blocks.length + 1}`;
  x = layers.convolutionNormActivation(x, {
    prefix: last,
    filters: mobileNetV3FeatureDim(variant),
    kernelSize: 1,
    activation: 'hardswish',
  });
  x = apply(tfl.layers.globalAveragePooling2d({ name: 'avgpool' }), x);
  if (options.includeTop === true) {
    x = dense(layers, x, { name: 'classifier.0', units: lastChannel });
    x = layers.activation(x, 'hardswish', 'classifier.1');
    x = apply(tfl.layers.dropout({ rate: 0.2, name: 'classifier.2' }), x);
    x = dense(layers, x, { name: 'classifier.3', units: options.classes ?? 1000 });
  }
  return tfl.model({ inputs: input, outputs: x, name: options.name ?? `mobilenet_v3_${variant}` });
}

/** torchvision `InvertedResidual` at `<prefix>`: expand → depthwise → [SE] → project (+ input). */
function invertedResidual(
  layers: TorchvisionLayers,
  input: tfl.SymbolicTensor,
  configuration: BlockConfiguration,
  prefix: string,
): tfl.SymbolicTensor {
  let x = input;
  let index = 0;
  if (configuration.expanded !== configuration.input) {
    x = layers.convolutionNormActivation(x, {
      prefix: `${prefix}.block.${index++}`,
      filters: configuration.expanded,
      kernelSize: 1,
      activation: configuration.activation,
    });
  }
  x = layers.convolutionNormActivation(x, {
    prefix: `${prefix}.block.${index++}`,
    filters: configuration.expanded,
    kernelSize: configuration.kernel,
    strides: configuration.stride,
    depthwise: true,
    activation: configuration.activation,
  });
  if (configuration.squeezeExcitation) {
    x = layers.squeezeExcitation(x, {
      prefix: `${prefix}.block.${index++}`,
      squeezeChannels: makeDivisible(Math.floor(configuration.expanded / 4), 8),
      activation: 'relu',
      gate: 'hardsigmoid',
    });
  }
  x = layers.convolutionNormActivation(x, {
    prefix: `${prefix}.block.${index++}`,
    filters: configuration.output,
    kernelSize: 1,
  });
  if (configuration.stride === 1 && configuration.input === configuration.output) {
    x = apply(tfl.layers.add({ name: `${prefix}.add` }), [x, input]);
  }
  return x;
}
