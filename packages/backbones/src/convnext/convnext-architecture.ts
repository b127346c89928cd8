import { InvalidArgumentError } from '@graft/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LayerScale } from '../layers/layer-scale.js';
import { StochasticDepth } from '../layers/stochastic-depth.js';
import { apply } from '../torchvision/torchvision-layers.js';

/** ConvNeXt-Tiny's stages: channels and blocks (torchvision `convnext.py`). */
const tinyStages = [
  { channels: 96, blocks: 3 },
  { channels: 192, blocks: 3 },
  { channels: 384, blocks: 9 },
  { channels: 768, blocks: 3 },
] as const;

/** Length of ConvNeXt-Tiny's pooled (and layer-normalised) feature vector. */
export const convNextTinyFeatureDim = 768;

/**
 * Stages usable as `unfreeze({ from })`: torchvision's `features.1` … `features.7` (odd: the four
 * block stages; even: the downsampling LayerNorm + 2x2 convolution before stages 2–4).
 */
export const convNextStages = [1, 2, 3, 4, 5, 6, 7].map((index) => `features.${index}`);

/** The last block's output (`features.7.2.add`), the map global pooling reads. */
export const convNextFeatureMapLayer = 'features.7.2.add';

/** Options of {@link buildConvNextTiny}. */
export interface BuildConvNextTinyOptions {
  /** Input height and width. Default `[224, 224]`; multiples of 32 keep every stage whole. */
  inputSize?: readonly [number, number];
  /**
   * `true`: the classifier (`classifier.0` LayerNorm → `classifier.2`, logits). `false`
   * (default): the pooled features after `classifier.0`'s LayerNorm (timm's pre-logits), which
   * is what a new head should read.
   */
  includeTop?: boolean;
  /** Classes of the classifier. Default 1000. */
  classes?: number;
  /** Largest stochastic-depth rate (torchvision's 0.1 for Tiny), reached by the last block. */
  stochasticDepthRate?: number;
  /** Initialise weights randomly from this seed; omit when weights are loaded right away. */
  seed?: number;
  /** Model name. Default `convnext_tiny`. */
  name?: string;
}

/**
 * Builds torchvision's ConvNeXt-Tiny as a tfjs-layers model on NHWC input, layers named by
 * torchvision module paths. NHWC makes torchvision's `Permute` + channels-last `LayerNorm` a
 * plain `layerNormalization` on the last axis (ε 1e-6) and the block's `Linear`s dense layers
 * on the last axis. Block: depthwise 7x7 (bias) → LayerNorm → Linear 4C → GELU (erf) → Linear C
 * → layer scale → stochastic depth (training only) → + input.
 */
export function buildConvNextTiny(options: BuildConvNextTinyOptions = {}): tfl.LayersModel {
  const [height, width] = options.inputSize ?? [224, 224];
  if (!(Number.isInteger(height) && Number.isInteger(width) && height >= 32 && width >= 32)) {
    throw new InvalidArgumentError({
      argument: 'inputSize',
      value: options.inputSize,
      expected: 'must be two integers ≥ 32',
    });
  }
  let seed = options.seed;
  const kernel = () => {
    if (seed === undefined) return 'zeros';
    seed += 1;
    return tfl.initializers.truncatedNormal({ stddev: 0.02, seed });
  };
  const norm = (x: tfl.SymbolicTensor, name: string) =>
    apply(tfl.layers.layerNormalization({ axis: -1, epsilon: 1e-6, name }), x);
  const maximumRate = options.stochasticDepthRate ?? 0.1;
  const totalBlocks = tinyStages.reduce((sum, stage) => sum + stage.blocks, 0);

  const input = tfl.input({ shape: [height, width, 3], name: 'input' });
  let x = apply(
    tfl.layers.conv2d({
      name: 'features.0.0',
      filters: tinyStages[0].channels,
      kernelSize: 4,
      strides: 4,
      padding: 'valid',
      kernelInitializer: kernel(),
    }),
    input,
  );
  x = norm(x, 'features.0.1');
  let blockId = 0;
  tinyStages.forEach((stage, stageIndex) => {
    const stagePath = `features.${2 * stageIndex + 1}`;
    if (stageIndex > 0) {
      const downsample = `features.${2 * stageIndex}`;
      x = norm(x, `${downsample}.0`);
      x = apply(
        tfl.layers.conv2d({
          name: `${downsample}.1`,
          filters: stage.channels,
          kernelSize: 2,
          strides: 2,
          padding: 'valid',
          kernelInitializer: kernel(),
        }),
        x,
      );
    }
    for (let blockIndex = 0; blockIndex < stage.blocks; blockIndex++) {
      const prefix = `${stagePath}.${blockIndex}`;
      const blockInput = x;
      let y = apply(
        tfl.layers.depthwiseConv2d({
          name: `${prefix}.block.0`,
          kernelSize: 7,
          padding: 'same',
          depthwiseInitializer: kernel(),
        }),
        x,
      );
      y = norm(y, `${prefix}.block.2`);
      y = apply(
        tfl.layers.dense({
          name: `${prefix}.block.3`,
          units: 4 * stage.channels,
          kernelInitializer: kernel(),
        }),
        y,
      );
      y = apply(tfl.layers.activation({ activation: 'gelu', name: `${prefix}.block.4` }), y);
      y = apply(
        tfl.layers.dense({
          name: `${prefix}.block.5`,
          units: stage.channels,
          kernelInitializer: kernel(),
        }),
        y,
      );
      y = apply(new LayerScale({ name: `${prefix}.layer_scale` }), y);
      const rate = (maximumRate * blockId) / (totalBlocks - 1);
      if (rate > 0) y = apply(new StochasticDepth({ name: `${prefix}.stochastic_depth`, rate }), y);
      x = apply(tfl.layers.add({ name: `${prefix}.add` }), [y, blockInput]);
      blockId++;
    }
  });
  x = apply(tfl.layers.globalAveragePooling2d({ name: 'avgpool' }), x);
  x = norm(x, 'classifier.0');
  if (options.includeTop === true) {
    x = apply(
      tfl.layers.dense({
        name: 'classifier.2',
        units: options.classes ?? 1000,
        kernelInitializer: kernel(),
      }),
      x,
    );
  }
  return tfl.model({ inputs: input, outputs: x, name: options.name ?? 'convnext_tiny' });
}
