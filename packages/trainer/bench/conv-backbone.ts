// A frozen conv stack with seeded weights (same weights in every thread that builds it), heavy
// enough at 128² for the backbone to dominate: the synthetic backbone of the worker benchmark.
import type { Backbone, JsonValue } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export const size = 128;

export function convBackbone(): Backbone {
  const input = tfl.input({ shape: [size, size, 3] });
  let x = input;
  for (const [index, filters] of [32, 64, 128, 256].entries()) {
    x = tfl.layers
      .conv2d({
        filters,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: index }),
      })
      .apply(x) as tfl.SymbolicTensor;
  }
  const output = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  return {
    name: 'bench-conv4',
    preprocessing: {
      inputSize: [size, size],
      channelOrder: 'rgb',
      inputRange: [-1, 1],
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: { mode: 'stretch', interpolation: 'bilinear' },
    },
    featureDim: 256,
    weightsId: 'bench:conv4-128',
    model,
    stages: [],
    freeze: () => undefined,
    unfreeze: () => undefined,
    getConfig: () => ({ name: 'bench-conv4' }),
    dispose: () => model.dispose(),
  };
}

/** Worker module of feature-workers.bench.ts: the same backbone on wasm in each worker. */
export async function createFeatureBackbone(_data: JsonValue): Promise<Backbone> {
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  return convBackbone();
}
