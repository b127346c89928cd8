import * as tfl from '@tensorflow/tfjs-layers';

/** Options of {@link resNet}. */
export interface ResNetOptions {
  /** Square input resolution. Default 224. */
  inputSize?: number;
  /** Channels of each stage; every stage after the first halves the resolution. Default ResNet-18's. */
  widths?: number[];
  /** Basic blocks per stage. Default 2 (ResNet-18). */
  blocksPerStage?: number;
  /** Output classes of the softmax head. Default 1000. */
  classes?: number;
  /** Seed of the kernel initialisers, so two builds get identical weights. Default 1. */
  seed?: number;
}

/**
 * A ResNet with basic blocks (ResNet-18 by default) built with tfjs-layers, random weights:
 * conv 7x7 stride 2, max-pool 3x3 stride 2, stages of two 3x3 conv + BN blocks whose first block
 * downsamples with stride 2 and a 1x1 projection shortcut, global average pooling, dense.
 */
export function resNet(options: ResNetOptions = {}): tfl.LayersModel {
  const size = options.inputSize ?? 224;
  const widths = options.widths ?? [64, 128, 256, 512];
  const blocksPerStage = options.blocksPerStage ?? 2;
  const classes = options.classes ?? 1000;
  let seed = options.seed ?? 1;
  const conv = (
    x: tfl.SymbolicTensor,
    filters: number,
    kernelSize: number,
    strides: number,
    name: string,
  ) =>
    tfl.layers
      .conv2d({
        filters,
        kernelSize,
        strides,
        padding: 'same',
        useBias: false,
        kernelInitializer: tfl.initializers.heNormal({ seed: seed++ }),
        name,
      })
      .apply(x) as tfl.SymbolicTensor;
  const batchNorm = (x: tfl.SymbolicTensor, name: string) =>
    tfl.layers
      .batchNormalization({ epsilon: 1e-5, momentum: 0.9, name })
      .apply(x) as tfl.SymbolicTensor;
  const relu = (x: tfl.SymbolicTensor, name: string) =>
    tfl.layers.activation({ activation: 'relu', name }).apply(x) as tfl.SymbolicTensor;

  const input = tfl.input({ shape: [size, size, 3] });
  let x = relu(batchNorm(conv(input, widths[0] ?? 64, 7, 2, 'conv1'), 'conv1_bn'), 'conv1_relu');
  x = tfl.layers
    .maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'pool1' })
    .apply(x) as tfl.SymbolicTensor;
  widths.forEach((width, stage) => {
    for (let block = 0; block < blocksPerStage; block++) {
      const name = `stage${stage + 1}_block${block + 1}`;
      const stride = stage > 0 && block === 0 ? 2 : 1;
      let shortcut = x;
      if (stride !== 1 || x.shape[3] !== width) {
        shortcut = batchNorm(conv(x, width, 1, stride, `${name}_down`), `${name}_down_bn`);
      }
      let y = relu(
        batchNorm(conv(x, width, 3, stride, `${name}_conv1`), `${name}_bn1`),
        `${name}_relu1`,
      );
      y = batchNorm(conv(y, width, 3, 1, `${name}_conv2`), `${name}_bn2`);
      x = relu(
        tfl.layers.add({ name: `${name}_add` }).apply([shortcut, y]) as tfl.SymbolicTensor,
        `${name}_out`,
      );
    }
  });
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers
    .dense({
      units: classes,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed++ }),
      name: 'fc',
    })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: 'resnet' });
}
