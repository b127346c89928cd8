import * as tfl from '@tensorflow/tfjs-layers';

/** Options of {@link mobileNetV2}. */
export interface MobileNetV2Options {
  /** Width multiplier, as in Keras. Default 1. */
  alpha?: number;
  /** Square input resolution. Default 224. */
  inputSize?: number;
  /** Output classes of the softmax head. Default 1000. */
  classes?: number;
  /** Seed of the kernel initialisers, so two builds get identical weights. Default 1. */
  seed?: number;
  /** Keep only the first this many of the 17 inverted residual blocks (shallower test models). Default 17. */
  blocks?: number;
}

/**
 * Keras `MobileNetV2` (include_top) rebuilt with tfjs-layers, with random weights: the shape of
 * the workload (17 inverted residual blocks, depthwise 3x3 at stride 1 and 2, BatchNormalization,
 * ReLU6, residual adds, global average pooling, dense) is what training speed and gradient
 * correctness depend on, not the weight values.
 */
export function mobileNetV2(options: MobileNetV2Options = {}): tfl.LayersModel {
  const alpha = options.alpha ?? 1;
  const size = options.inputSize ?? 224;
  const classes = options.classes ?? 1000;
  let seed = options.seed ?? 1;
  const initializer = () => tfl.initializers.glorotUniform({ seed: seed++ });
  const input = tfl.input({ shape: [size, size, 3] });

  const batchNormReLU6 = (x: tfl.SymbolicTensor, name: string, activate = true) => {
    const normalized = tfl.layers
      .batchNormalization({ epsilon: 1e-3, momentum: 0.999, name: `${name}_BN` })
      .apply(x) as tfl.SymbolicTensor;
    if (!activate) return normalized;
    return tfl.layers
      .reLU({ maxValue: 6, name: `${name}_relu` })
      .apply(normalized) as tfl.SymbolicTensor;
  };
  const pointwise = (x: tfl.SymbolicTensor, filters: number, name: string) =>
    tfl.layers
      .conv2d({
        filters,
        kernelSize: 1,
        padding: 'same',
        useBias: false,
        kernelInitializer: initializer(),
        name,
      })
      .apply(x) as tfl.SymbolicTensor;

  let x = tfl.layers
    .zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
      name: 'Conv1_pad',
    })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({
      filters: makeDivisible(32 * alpha),
      kernelSize: 3,
      strides: 2,
      padding: 'valid',
      useBias: false,
      kernelInitializer: initializer(),
      name: 'Conv1',
    })
    .apply(x) as tfl.SymbolicTensor;
  x = batchNormReLU6(x, 'bn_Conv1');

  const blocks: Array<[filters: number, stride: number, expansion: number]> = [
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
  blocks
    .slice(0, options.blocks ?? blocks.length)
    .forEach(([filters, stride, expansion], blockId) => {
      const inChannels = x.shape[3] as number;
      const outChannels = makeDivisible(filters * alpha);
      const prefix = blockId === 0 ? 'expanded_conv' : `block_${blockId}`;
      const shortcut = x;
      let y = x;
      if (blockId > 0) {
        y = pointwise(y, expansion * inChannels, `${prefix}_expand`);
        y = batchNormReLU6(y, `${prefix}_expand`);
      }
      if (stride === 2) {
        // Keras pads (0, 1) for even sizes: the same as TF "same" padding at stride 2.
        y = tfl.layers
          .zeroPadding2d({
            padding: [
              [0, 1],
              [0, 1],
            ],
            name: `${prefix}_pad`,
          })
          .apply(y) as tfl.SymbolicTensor;
      }
      y = tfl.layers
        .depthwiseConv2d({
          kernelSize: 3,
          strides: stride,
          padding: stride === 2 ? 'valid' : 'same',
          useBias: false,
          depthwiseInitializer: initializer(),
          name: `${prefix}_depthwise`,
        })
        .apply(y) as tfl.SymbolicTensor;
      y = batchNormReLU6(y, `${prefix}_depthwise`);
      y = pointwise(y, outChannels, `${prefix}_project`);
      y = batchNormReLU6(y, `${prefix}_project`, false);
      x =
        inChannels === outChannels && stride === 1
          ? (tfl.layers.add({ name: `${prefix}_add` }).apply([shortcut, y]) as tfl.SymbolicTensor)
          : y;
    });

  x = pointwise(x, alpha > 1 ? makeDivisible(1280 * alpha) : 1280, 'Conv_1');
  x = batchNormReLU6(x, 'Conv_1_bn');
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers
    .dense({
      units: classes,
      activation: 'softmax',
      kernelInitializer: initializer(),
      name: 'predictions',
    })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: `mobilenetv2_${alpha}_${size}` });
}

/** Keras `_make_divisible`: rounds channels to a multiple of 8, never below 90% of `value`. */
function makeDivisible(value: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}
