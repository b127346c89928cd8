import { InvalidArgumentError } from '@graft/core';
import * as tfl from '@tensorflow/tfjs-layers';

/** ResNet depths with a torchvision definition. */
export type ResNetDepth = 18 | 34 | 50 | 101 | 152;

/** Block type and blocks per stage of each depth (torchvision `resnet.py`). */
export const resNetConfigurations: Readonly<
  Record<
    ResNetDepth,
    { block: 'basic' | 'bottleneck'; blocks: readonly [number, number, number, number] }
  >
> = {
  18: { block: 'basic', blocks: [2, 2, 2, 2] },
  34: { block: 'basic', blocks: [3, 4, 6, 3] },
  50: { block: 'bottleneck', blocks: [3, 4, 6, 3] },
  101: { block: 'bottleneck', blocks: [3, 4, 23, 3] },
  152: { block: 'bottleneck', blocks: [3, 8, 36, 3] },
};

/** The stages, in order, usable as `unfreeze({ from })`. */
export const resNetStages = ['layer1', 'layer2', 'layer3', 'layer4'] as const;

/** Length of the pooled feature vector: 512 for BasicBlock ResNets, 2048 for Bottleneck ones. */
export function resNetFeatureDim(depth: ResNetDepth): number {
  return resNetConfigurations[depth].block === 'basic' ? 512 : 2048;
}

/** The last block's output ReLU (`layer4.1.relu` for ResNet-18): the map global pooling reads. */
export function resNetFeatureMapLayer(depth: ResNetDepth): string {
  return `layer4.${resNetConfigurations[depth].blocks[3] - 1}.relu`;
}

/** Options of {@link buildResNet}. */
export interface BuildResNetOptions {
  /** 18, 34, 50, 101 or 152. */
  depth: ResNetDepth;
  /** Input height and width. Default `[224, 224]`; any size ≥ 32 works. */
  inputSize?: readonly [number, number];
  /** Add the `fc` classifier (logits, no softmax) after `avgpool`. Default `false`. */
  includeTop?: boolean;
  /** Classes of the `fc` layer. Default 1000. */
  classes?: number;
  /**
   * Initialise weights randomly (torchvision's scheme: Kaiming-normal fan-out convolutions,
   * BatchNorm γ=1 β=0) from this seed. Omit when weights will be loaded right away: every
   * weight then starts at zero/one, which is cheaper.
   */
  seed?: number;
  /** Model name. Default `resnet<depth>`. */
  name?: string;
}

/**
 * Builds torchvision's ResNet v1.5 (stride on the 3x3 convolution of Bottleneck blocks) as a
 * tfjs-layers functional model taking NHWC input.
 *
 * Layer names are the torchvision module paths (`conv1`, `bn1`, `layer1.0.conv1`,
 * `layer1.0.downsample.0`, `fc` …), so a state-dict key `<layer>.<parameter>` maps onto one layer,
 * and a stage is every layer whose name starts with `layer<k>.`.
 *
 * Padding reproduces PyTorch exactly: every strided convolution is an explicit symmetric
 * `zeroPadding2d` followed by a `valid` convolution (tfjs `same` pads asymmetrically for stride 2
 * and would shift every window by one pixel). Stride-1 3x3 convolutions use `same`, which pads
 * 1 on each side for odd kernels, i.e. exactly PyTorch's `padding=1`.
 *
 * The max pool (3x3/2, PyTorch `padding=1`, which pads with −∞) is a zero padding + `valid` pool:
 * its input is the output of a ReLU (≥ 0) and every window contains at least one real value, so
 * a zero in the window never exceeds the window's maximum and the result is identical.
 *
 * Output: `avgpool` features `[N, 512 | 2048]`, or logits `[N, classes]` with `includeTop`.
 */
export function buildResNet(options: BuildResNetOptions): tfl.LayersModel {
  const configuration = resNetConfigurations[options.depth];
  if (configuration === undefined) {
    throw new InvalidArgumentError({
      argument: 'depth',
      value: options.depth,
      expected: `must be one of: ${Object.keys(resNetConfigurations).join(', ')}`,
    });
  }
  const [height, width] = options.inputSize ?? [224, 224];
  if (!(Number.isInteger(height) && Number.isInteger(width) && height >= 32 && width >= 32)) {
    throw new InvalidArgumentError({
      argument: 'inputSize',
      value: options.inputSize,
      expected: 'must be two integers ≥ 32',
    });
  }
  const classes = options.classes ?? 1000;
  const layers = new LayerFactory(options.seed);

  const input = tfl.input({ shape: [height, width, 3], name: 'input' });
  let x = layers.convolution(input, { name: 'conv1', filters: 64, kernelSize: 7, strides: 2 });
  x = layers.batchNormalization(x, 'bn1');
  x = tfl.layers.reLU({ name: 'relu' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.zeroPadding2d({ padding: 1, name: 'maxpool_pad' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'maxpool' })
    .apply(x) as tfl.SymbolicTensor;

  const expansion = configuration.block === 'basic' ? 1 : 4;
  let inputChannels = 64;
  configuration.blocks.forEach((blockCount, stageIndex) => {
    const planes = 64 * 2 ** stageIndex;
    for (let blockIndex = 0; blockIndex < blockCount; blockIndex++) {
      const strides = stageIndex > 0 && blockIndex === 0 ? 2 : 1;
      const prefix = `layer${stageIndex + 1}.${blockIndex}`;
      const block = configuration.block === 'basic' ? basicBlock : bottleneckBlock;
      x = block(layers, x, {
        prefix,
        planes,
        strides,
        downsample: strides !== 1 || inputChannels !== planes * expansion,
      });
      inputChannels = planes * expansion;
    }
  });

  x = tfl.layers.globalAveragePooling2d({ name: 'avgpool' }).apply(x) as tfl.SymbolicTensor;
  if (options.includeTop === true) {
    const bound = 1 / Math.sqrt(inputChannels);
    x = tfl.layers
      .dense({
        units: classes,
        name: 'fc',
        kernelInitializer:
          options.seed === undefined
            ? 'zeros'
            : tfl.initializers.randomUniform({
                minval: -bound,
                maxval: bound,
                seed: layers.nextSeed(),
              }),
        biasInitializer:
          options.seed === undefined
            ? 'zeros'
            : tfl.initializers.randomUniform({
                minval: -bound,
                maxval: bound,
                seed: layers.nextSeed(),
              }),
      })
      .apply(x) as tfl.SymbolicTensor;
  }
  return tfl.model({ inputs: input, outputs: x, name: options.name ?? `resnet${options.depth}` });
}

interface BlockOptions {
  /** Module path of the block, e.g. `layer2.0`. */
  prefix: string;
  /** Width of the block (output channels / expansion). */
  planes: number;
  /** Stride of the block (on the 3x3 convolution). */
  strides: number;
  /** Whether the shortcut needs a 1x1 convolution + BatchNorm. */
  downsample: boolean;
}

function basicBlock(
  layers: LayerFactory,
  input: tfl.SymbolicTensor,
  options: BlockOptions,
): tfl.SymbolicTensor {
  const { prefix, planes, strides } = options;
  let x = layers.convolution(input, {
    name: `${prefix}.conv1`,
    filters: planes,
    kernelSize: 3,
    strides,
  });
  x = layers.batchNormalization(x, `${prefix}.bn1`);
  x = tfl.layers.reLU({ name: `${prefix}.relu1` }).apply(x) as tfl.SymbolicTensor;
  x = layers.convolution(x, {
    name: `${prefix}.conv2`,
    filters: planes,
    kernelSize: 3,
    strides: 1,
  });
  x = layers.batchNormalization(x, `${prefix}.bn2`);
  return residual(layers, input, x, { ...options, outputChannels: planes });
}

function bottleneckBlock(
  layers: LayerFactory,
  input: tfl.SymbolicTensor,
  options: BlockOptions,
): tfl.SymbolicTensor {
  const { prefix, planes, strides } = options;
  let x = layers.convolution(input, {
    name: `${prefix}.conv1`,
    filters: planes,
    kernelSize: 1,
    strides: 1,
  });
  x = layers.batchNormalization(x, `${prefix}.bn1`);
  x = tfl.layers.reLU({ name: `${prefix}.relu1` }).apply(x) as tfl.SymbolicTensor;
  // torchvision v1.5: the stride sits on the 3x3 convolution, not on the first 1x1.
  x = layers.convolution(x, { name: `${prefix}.conv2`, filters: planes, kernelSize: 3, strides });
  x = layers.batchNormalization(x, `${prefix}.bn2`);
  x = tfl.layers.reLU({ name: `${prefix}.relu2` }).apply(x) as tfl.SymbolicTensor;
  x = layers.convolution(x, {
    name: `${prefix}.conv3`,
    filters: planes * 4,
    kernelSize: 1,
    strides: 1,
  });
  x = layers.batchNormalization(x, `${prefix}.bn3`);
  return residual(layers, input, x, { ...options, outputChannels: planes * 4 });
}

function residual(
  layers: LayerFactory,
  input: tfl.SymbolicTensor,
  branch: tfl.SymbolicTensor,
  options: BlockOptions & { outputChannels: number },
): tfl.SymbolicTensor {
  let shortcut = input;
  if (options.downsample) {
    shortcut = layers.convolution(input, {
      name: `${options.prefix}.downsample.0`,
      filters: options.outputChannels,
      kernelSize: 1,
      strides: options.strides,
    });
    shortcut = layers.batchNormalization(shortcut, `${options.prefix}.downsample.1`);
  }
  const sum = tfl.layers.add({ name: `${options.prefix}.add` }).apply([branch, shortcut]);
  return tfl.layers.reLU({ name: `${options.prefix}.relu` }).apply(sum) as tfl.SymbolicTensor;
}

/** Creates convolutions and BatchNorms with PyTorch semantics and seeded initialisers. */
class LayerFactory {
  private seed: number | undefined;

  constructor(seed: number | undefined) {
    this.seed = seed;
  }

  nextSeed(): number | undefined {
    if (this.seed === undefined) return undefined;
    this.seed += 1;
    return this.seed;
  }

  convolution(
    input: tfl.SymbolicTensor,
    options: { name: string; filters: number; kernelSize: number; strides: number },
  ): tfl.SymbolicTensor {
    const { name, filters, kernelSize, strides } = options;
    const padding = (kernelSize - 1) / 2;
    let x = input;
    // Symmetric PyTorch padding. Only strided convolutions with a kernel > 1 need it explicitly;
    // `same` at stride 1 with an odd kernel is already symmetric.
    const explicit = strides > 1 && padding > 0;
    if (explicit) {
      x = tfl.layers.zeroPadding2d({ padding, name: `${name}_pad` }).apply(x) as tfl.SymbolicTensor;
    }
    const seed = this.nextSeed();
    return tfl.layers
      .conv2d({
        name,
        filters,
        kernelSize,
        strides,
        padding: explicit || padding === 0 ? 'valid' : 'same',
        useBias: false,
        kernelInitializer:
          seed === undefined
            ? 'zeros'
            : tfl.initializers.varianceScaling({
                scale: 2,
                mode: 'fanOut',
                distribution: 'normal',
                seed,
              }),
      })
      .apply(x) as tfl.SymbolicTensor;
  }

  batchNormalization(input: tfl.SymbolicTensor, name: string): tfl.SymbolicTensor {
    return tfl.layers
      .batchNormalization({
        name,
        axis: -1,
        // PyTorch: eps 1e-5, momentum 0.1 (weight of the new batch) = Keras momentum 0.9.
        epsilon: 1e-5,
        momentum: 0.9,
      })
      .apply(input) as tfl.SymbolicTensor;
  }
}
