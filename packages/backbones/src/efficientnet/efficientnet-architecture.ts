import { InvalidArgumentError } from '@graft/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { StochasticDepth } from '../layers/stochastic-depth.js';
import { makeDivisible } from '../mobilenet-v2/make-divisible.js';
import { apply, dense, TorchvisionLayers } from '../torchvision/torchvision-layers.js';

/** EfficientNet sizes with torchvision ImageNet weights that Graft registers. */
export type EfficientNetVariant = 'b0' | 'b1' | 'b2' | 'b3';

/** Width and depth multipliers, dropout and input size of each variant (torchvision `efficientnet.py`). */
export const efficientNetScalings: Readonly<
  Record<
    EfficientNetVariant,
    { width: number; depth: number; dropout: number; inputSize: number; resizeSize: number }
  >
> = {
  b0: { width: 1.0, depth: 1.0, dropout: 0.2, inputSize: 224, resizeSize: 256 },
  b1: { width: 1.0, depth: 1.1, dropout: 0.2, inputSize: 240, resizeSize: 256 },
  b2: { width: 1.1, depth: 1.2, dropout: 0.3, inputSize: 288, resizeSize: 288 },
  b3: { width: 1.2, depth: 1.4, dropout: 0.3, inputSize: 300, resizeSize: 320 },
};

/** The valid {@link EfficientNetVariant}s. */
export const efficientNetVariants = Object.keys(efficientNetScalings) as EfficientNetVariant[];

/** B0's stages: expand ratio, kernel, stride, input, output channels, blocks. */
const baseStages = [
  [1, 3, 1, 32, 16, 1],
  [6, 3, 2, 16, 24, 2],
  [6, 5, 2, 24, 40, 2],
  [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3],
  [6, 5, 2, 112, 192, 4],
  [6, 3, 1, 192, 320, 1],
] as const;

function checkVariant(variant: EfficientNetVariant): void {
  if (efficientNetScalings[variant] === undefined) {
    throw new InvalidArgumentError({
      argument: 'variant',
      value: variant,
      expected: `must be one of: ${efficientNetVariants.join(', ')}`,
    });
  }
}

/** The stages of `variant` after width and depth scaling. */
function stagesOf(variant: EfficientNetVariant) {
  const { width, depth } = efficientNetScalings[variant];
  return baseStages.map(([expandRatio, kernel, stride, input, output, blocks]) => ({
    expandRatio,
    kernel,
    stride,
    input: makeDivisible(input * width, 8),
    output: makeDivisible(output * width, 8),
    blocks: Math.ceil(blocks * depth),
  }));
}

/** Length of the pooled feature vector: 4 × the last stage's width (1280 for B0, 1536 for B3). */
export function efficientNetFeatureDim(variant: EfficientNetVariant): number {
  checkVariant(variant);
  return 4 * (stagesOf(variant).at(-1)?.output ?? 0);
}

/** Stages usable as `unfreeze({ from })`: torchvision's `features.1` … `features.8`. */
export const efficientNetStages = [1, 2, 3, 4, 5, 6, 7, 8].map((index) => `features.${index}`);

/** The last 1x1 convolution's SiLU (`features.8.2`), whose map global pooling reads. */
export const efficientNetFeatureMapLayer = 'features.8.2';

/** Options of {@link buildEfficientNet}. */
export interface BuildEfficientNetOptions {
  /** `b0` … `b3`. */
  variant: EfficientNetVariant;
  /** Input height and width. Default: the variant's (224 for B0 … 300 for B3); any size ≥ 32 works. */
  inputSize?: readonly [number, number];
  /** Add the classifier (`classifier.0` dropout → `classifier.1`, logits). Default `false`. */
  includeTop?: boolean;
  /** Classes of the classifier. Default 1000. */
  classes?: number;
  /**
   * Largest stochastic-depth rate (torchvision's 0.2), reached by the last block; block k of n
   * drops its residual branch with probability `rate·k/n` in training only. Default 0.2.
   */
  stochasticDepthRate?: number;
  /** Initialise weights randomly from this seed; omit when weights are loaded right away. */
  seed?: number;
  /** Model name. Default `efficientnet_<variant>`. */
  name?: string;
}

/**
 * Builds torchvision's EfficientNet B0–B3 as a tfjs-layers functional model taking NHWC input,
 * with layers named by torchvision module paths (`features.0.0`, `features.2.1.block.2.fc1`,
 * `classifier.1` …) so a torchvision state dict loads with `loadTorchStateDict`. MBConv blocks:
 * expand 1x1 → depthwise k×k → squeeze-excitation (SiLU, sigmoid gate, squeeze = input/4) →
 * project 1x1, with stochastic depth on the residual branch; SiLU activations; BatchNorm ε 1e-5.
 * Output: pooled features `[N, 1280 …]`, or logits `[N, classes]` with `includeTop`.
 */
export function buildEfficientNet(options: BuildEfficientNetOptions): tfl.LayersModel {
  const { variant } = options;
  checkVariant(variant);
  const scaling = efficientNetScalings[variant];
  const [height, width] = options.inputSize ?? [scaling.inputSize, scaling.inputSize];
  if (!(Number.isInteger(height) && Number.isInteger(width) && height >= 32 && width >= 32)) {
    throw new InvalidArgumentError({
      argument: 'inputSize',
      value: options.inputSize,
      expected: 'must be two integers ≥ 32',
    });
  }
  const maximumRate = options.stochasticDepthRate ?? 0.2;
  const layers = new TorchvisionLayers({
    batchNormEpsilon: 1e-5,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  const stages = stagesOf(variant);
  const input = tfl.input({ shape: [height, width, 3], name: 'input' });
  let x = layers.convolutionNormActivation(input, {
    prefix: 'features.0',
    filters: stages[0]?.input ?? 32,
    kernelSize: 3,
    strides: 2,
    activation: 'silu',
  });
  const totalBlocks = stages.reduce((sum, stage) => sum + stage.blocks, 0);
  let blockId = 0;
  stages.forEach((stage, stageIndex) => {
    for (let blockIndex = 0; blockIndex < stage.blocks; blockIndex++) {
      const inputChannels = blockIndex === 0 ? stage.input : stage.output;
      x = mobileInvertedBottleneck(layers, x, {
        prefix: `features.${stageIndex + 1}.${blockIndex}`,
        input: inputChannels,
        output: stage.output,
        expanded: makeDivisible(inputChannels * stage.expandRatio, 8),
        kernel: stage.kernel,
        stride: blockIndex === 0 ? stage.stride : 1,
        stochasticDepthRate: (maximumRate * blockId) / totalBlocks,
      });
      blockId++;
    }
  });
  x = layers.convolutionNormActivation(x, {
    prefix: 'features.8',
    filters: efficientNetFeatureDim(variant),
    kernelSize: 1,
    activation: 'silu',
  });
  x = apply(tfl.layers.globalAveragePooling2d({ name: 'avgpool' }), x);
  if (options.includeTop === true) {
    x = apply(tfl.layers.dropout({ rate: scaling.dropout, name: 'classifier.0' }), x);
    x = dense(layers, x, { name: 'classifier.1', units: options.classes ?? 1000 });
  }
  return tfl.model({ inputs: input, outputs: x, name: options.name ?? `efficientnet_${variant}` });
}

/** torchvision `MBConv` at `<prefix>` (`features.<stage>.<block>`). */
function mobileInvertedBottleneck(
  layers: TorchvisionLayers,
  input: tfl.SymbolicTensor,
  options: {
    prefix: string;
    input: number;
    output: number;
    expanded: number;
    kernel: number;
    stride: number;
    stochasticDepthRate: number;
  },
): tfl.SymbolicTensor {
  const { prefix } = options;
  let x = input;
  let index = 0;
  if (options.expanded !== options.input) {
    x = layers.convolutionNormActivation(x, {
      prefix: `${prefix}.block.${index++}`,
      filters: options.expanded,
      kernelSize: 1,
      activation: 'silu',
    });
  }
  x = layers.convolutionNormActivation(x, {
    prefix: `${prefix}.block.${index++}`,
    filters: options.expanded,
    kernelSize: options.kernel,
    strides: options.stride,
    depthwise: true,
    activation: 'silu',
  });
  x = layers.squeezeExcitation(x, {
    prefix: `${prefix}.block.${index++}`,
    squeezeChannels: Math.max(1, Math.floor(options.input / 4)),
    activation: 'silu',
    gate: 'sigmoid',
  });
  x = layers.convolutionNormActivation(x, {
    prefix: `${prefix}.block.${index++}`,
    filters: options.output,
    kernelSize: 1,
  });
  if (options.stride === 1 && options.input === options.output) {
    if (options.stochasticDepthRate > 0) {
      x = apply(
        new StochasticDepth({
          name: `${prefix}.stochastic_depth`,
          rate: options.stochasticDepthRate,
        }),
        x,
      );
    }
    x = apply(tfl.layers.add({ name: `${prefix}.add` }), [x, input]);
  }
  return x;
}
