import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertToOnnx } from './convert-to-onnx.js';
import { compareWithOnnxRuntime } from './testing/compare-with-onnx-runtime.js';

// Each converter against tfjs (cpu) on small seeded models, at batch 1 and 3, through ONNX Runtime.

let seed = 1;
/** A Glorot-ish seeded initialiser, so every model is deterministic. */
const init = () => tfl.initializers.randomNormal({ mean: 0, stddev: 0.3, seed: seed++ });

/** Random BatchNorm statistics (the defaults, mean 0 and variance 1, would hide axis bugs). */
function randomizeBatchNorm(model: tfl.LayersModel): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const channels = layer.weights[0]?.shape[0] as number;
    const weights = [
      tf.randomUniform([channels], 0.5, 1.5, 'float32', seed++),
      tf.randomUniform([channels], -0.5, 0.5, 'float32', seed++),
      tf.randomUniform([channels], -0.5, 0.5, 'float32', seed++),
      tf.randomUniform([channels], 0.5, 2, 'float32', seed++),
    ];
    layer.setWeights(weights);
    tf.dispose(weights);
  }
}

async function expectAgreement(
  model: tfl.LayersModel,
  tolerance = 1e-5,
): Promise<Array<{ maxAbsolute: number; scale: number }>> {
  randomizeBatchNorm(model);
  const bytes = convertToOnnx({ model });
  const results = [];
  for (const batch of [1, 3]) {
    const shape = [batch, ...((model.inputs[0]?.shape ?? []).slice(1) as number[])];
    const input = tf.randomUniform(shape, -1, 1, 'float32', seed++);
    const agreement = await compareWithOnnxRuntime({ model, bytes, input });
    input.dispose();
    expect(agreement.onnxShape).toEqual(agreement.tfjsShape);
    expect(agreement.onnxShape[0]).toBe(batch);
    // Outputs of a meaningful size, so the tolerance means something.
    expect(agreement.scale).toBeGreaterThan(0.05);
    expect(agreement.maxAbsolute).toBeLessThanOrEqual(tolerance);
    results.push(agreement);
  }
  return results;
}

function chain(inputShape: number[], layers: tfl.layers.Layer[]): tfl.LayersModel {
  const input = tfl.input({ shape: inputShape });
  let x: tfl.SymbolicTensor = input;
  for (const layer of layers) x = layer.apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x });
}

describe('layer converters agree with tfjs', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('Conv2D: same padding at stride 2 with an even kernel on an odd size (more padding at the end), dilation, bias, relu', async () => {
    await expectAgreement(
      chain(
        [9, 11, 3],
        [
          tfl.layers.conv2d({
            filters: 4,
            kernelSize: [4, 2],
            strides: 2,
            padding: 'same',
            activation: 'relu',
            kernelInitializer: init(),
            biasInitializer: init(),
          }),
          tfl.layers.conv2d({
            filters: 5,
            kernelSize: 3,
            dilationRate: 2,
            padding: 'same',
            kernelInitializer: init(),
          }),
          tfl.layers.conv2d({
            filters: 3,
            kernelSize: 2,
            strides: [1, 2],
            padding: 'valid',
            useBias: false,
            kernelInitializer: init(),
          }),
        ],
      ),
    );
  });

  it('DepthwiseConv2D: multiplier 2, stride 2 same padding, bias, relu6 activation', async () => {
    await expectAgreement(
      chain(
        [10, 7, 3],
        [
          tfl.layers.depthwiseConv2d({
            kernelSize: 3,
            depthMultiplier: 2,
            strides: 2,
            padding: 'same',
            activation: 'relu6',
            depthwiseInitializer: init(),
            biasInitializer: init(),
          }),
          tfl.layers.depthwiseConv2d({
            kernelSize: [2, 3],
            padding: 'valid',
            useBias: false,
            depthwiseInitializer: init(),
          }),
        ],
      ),
    );
  });

  it('BatchNormalization (4-D and 2-D, moving statistics), ReLU with maxValue, ZeroPadding2D asymmetric', async () => {
    await expectAgreement(
      chain(
        [6, 5, 4],
        [
          tfl.layers.batchNormalization({ epsilon: 1e-3 }),
          tfl.layers.reLU({ maxValue: 0.7 }),
          tfl.layers.zeroPadding2d({
            padding: [
              [1, 2],
              [0, 3],
            ],
          }),
          tfl.layers.conv2d({ filters: 3, kernelSize: 3, kernelInitializer: init() }),
          tfl.layers.globalAveragePooling2d({}),
          tfl.layers.batchNormalization({}),
          tfl.layers.reLU({}),
        ],
      ),
    );
  });

  it('MaxPooling2D and AveragePooling2D, same (padding ignored, as in TensorFlow) and valid', async () => {
    await expectAgreement(
      chain(
        [11, 9, 2],
        [
          tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
          tfl.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same' }),
          tfl.layers.averagePooling2d({ poolSize: [2, 1], strides: 1, padding: 'valid' }),
        ],
      ),
    );
    await expectAgreement(
      chain(
        [7, 8, 3],
        [
          tfl.layers.maxPooling2d({ poolSize: 2, padding: 'valid' }),
          tfl.layers.globalMaxPooling2d({}),
        ],
      ),
    );
  });

  it('Flatten and Reshape keep tfjs (channels-last) element order; a rank-4 output keeps NHWC', async () => {
    await expectAgreement(
      chain(
        [4, 3, 2],
        [
          tfl.layers.conv2d({ filters: 3, kernelSize: 1, kernelInitializer: init() }),
          tfl.layers.flatten({}),
          tfl.layers.reshape({ targetShape: [6, 2, 3] }),
          tfl.layers.conv2d({ filters: 2, kernelSize: 1, kernelInitializer: init() }),
          tfl.layers.reshape({ targetShape: [-1, 4] }),
          tfl.layers.dense({ units: 3, kernelInitializer: init() }),
          tfl.layers.reshape({ targetShape: [3, 3, 2] }),
        ],
      ),
    );
  });

  it('Add, Multiply, Maximum, Minimum, Average and Concatenate on channels', async () => {
    const input = tfl.input({ shape: [5, 5, 3] });
    const a = tfl.layers
      .conv2d({ filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: init() })
      .apply(input) as tfl.SymbolicTensor;
    const b = tfl.layers
      .conv2d({ filters: 3, kernelSize: 1, kernelInitializer: init() })
      .apply(input) as tfl.SymbolicTensor;
    const merged = [
      tfl.layers.add({}).apply([a, b, input]),
      tfl.layers.multiply({}).apply([a, b]),
      tfl.layers.maximum({}).apply([a, b]),
      tfl.layers.minimum({}).apply([a, b]),
      tfl.layers.average({}).apply([a, b]),
    ] as tfl.SymbolicTensor[];
    const output = tfl.layers.concatenate({ axis: -1 }).apply(merged) as tfl.SymbolicTensor;
    await expectAgreement(tfl.model({ inputs: input, outputs: output }));
    const flat = tfl.input({ shape: [4] });
    const joined = tfl.layers.concatenate({ axis: 1 }).apply([flat, flat]) as tfl.SymbolicTensor;
    await expectAgreement(tfl.model({ inputs: flat, outputs: joined }));
  });

  it.each([
    'linear',
    'relu',
    'relu6',
    'elu',
    'selu',
    'sigmoid',
    'hardSigmoid',
    'tanh',
    'softplus',
    'softsign',
    'softmax',
    'swish',
    'mish',
    'gelu',
  ] as const)(
    'Dense with activation %s (as Dense option and as an Activation layer)',
    async (activation) => {
      const input = tfl.input({ shape: [6] });
      const viaOption = tfl.layers
        .dense({ units: 6, activation, kernelInitializer: init(), biasInitializer: init() })
        .apply(input) as tfl.SymbolicTensor;
      const linear = tfl.layers
        .dense({ units: 6, useBias: false, kernelInitializer: init() })
        .apply(input) as tfl.SymbolicTensor;
      const viaLayer = tfl.layers.activation({ activation }).apply(linear) as tfl.SymbolicTensor;
      const both = tfl.layers.concatenate({}).apply([viaOption, viaLayer]) as tfl.SymbolicTensor;
      await expectAgreement(tfl.model({ inputs: input, outputs: both }));
    },
  );

  it('Dense on a rank-4 input (over channels), Softmax over channels, LeakyReLU, ELU, Dropout', async () => {
    await expectAgreement(
      chain(
        [3, 4, 5],
        [
          tfl.layers.dense({ units: 6, kernelInitializer: init(), biasInitializer: init() }),
          tfl.layers.leakyReLU({ alpha: 0.2 }),
          tfl.layers.elu({}),
          tfl.layers.dropout({ rate: 0.5 }),
          tfl.layers.softmax({ axis: 3 }),
        ],
      ),
    );
  });

  it('nested models (a sequential and a functional head) are inlined', async () => {
    const head = tfl.sequential({
      layers: [
        tfl.layers.dense({
          inputShape: [4],
          units: 3,
          activation: 'relu',
          kernelInitializer: init(),
        }),
        tfl.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: init() }),
      ],
    });
    const inner = chain(
      [4],
      [tfl.layers.dense({ units: 4, activation: 'tanh', kernelInitializer: init() })],
    );
    const input = tfl.input({ shape: [6, 6, 2] });
    let x = tfl.layers
      .conv2d({ filters: 4, kernelSize: 3, kernelInitializer: init() })
      .apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
    x = inner.apply(x) as tfl.SymbolicTensor;
    x = head.apply(x) as tfl.SymbolicTensor;
    await expectAgreement(tfl.model({ inputs: input, outputs: x }));
  });
});
