// Feature extraction caches the frozen backbone's output: 10 head epochs should cost little
// more than 1. Compared with the naive loop that runs the frozen backbone every epoch
// (`fine-tune` mode with `keepBackboneFrozen`). Synthetic backbone, cpu backend, 2 cores.
import '@tensorflow/tfjs-backend-cpu';
import { measure } from '@graft/bench-kit';
import type { Backbone } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { adam, train } from '../src/index.js';
import { ColourDataset, denseHead } from '../src/testing/index.js';

const size = 64;
const images = 128;

/** A frozen conv stack heavy enough for the backbone to dominate (≈ 0.1 GFLOP per image). */
function benchBackbone(): Backbone {
  const input = tfl.input({ shape: [size, size, 3] });
  let x = input;
  for (const [index, filters] of [16, 32, 64, 128].entries()) {
    x = tfl.layers
      .conv2d({
        filters,
        kernelSize: 3,
        strides: index < 3 ? 2 : 1,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: index }),
      })
      .apply(x) as tfl.SymbolicTensor;
  }
  const output = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  return {
    name: 'bench',
    preprocessing: {
      inputSize: [size, size],
      channelOrder: 'rgb',
      inputRange: [-1, 1],
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: { mode: 'stretch', interpolation: 'bilinear' },
    },
    featureDim: 128,
    weightsId: 'bench:conv4',
    model,
    stages: [],
    freeze: () => {
      for (const layer of model.layers) layer.trainable = false;
    },
    unfreeze: () => {
      for (const layer of model.layers) layer.trainable = true;
    },
    getConfig: () => ({ name: 'bench' }),
    dispose: () => model.dispose(),
  };
}

export default async function () {
  await tf.setBackend('cpu');
  const trainData = new ColourDataset({ count: images, size: [size, size], numClasses: 4 });
  const backbone = benchBackbone();
  const run = (epochs: number, naive: boolean) => async () => {
    const head = denseHead({ featureDim: 128, numClasses: 4 });
    const optimizer = adam({ learningRate: 0.01 });
    await train({
      backbone,
      head,
      trainData,
      mode: naive ? 'fine-tune' : 'feature-extraction',
      keepBackboneFrozen: naive,
      epochs,
      batchSize: 32,
      optimizer,
    });
    optimizer.dispose();
    head.dispose();
  };
  const suite = 'trainer feature extraction';
  const notes = `${images} images ${size}x${size}, conv4 backbone, linear head; value = images×epochs per second`;
  const rows = [
    await measure({
      suite,
      name: '1 epoch, cached features',
      items: images,
      run: run(1, false),
      runs: 3,
      backend: 'cpu',
      notes,
    }),
    await measure({
      suite,
      name: '10 epochs, cached features',
      items: images * 10,
      run: run(10, false),
      runs: 3,
      backend: 'cpu',
      notes,
    }),
    await measure({
      suite,
      name: '10 epochs, backbone every epoch (naive)',
      items: images * 10,
      run: run(10, true),
      warmup: 0,
      runs: 1,
      backend: 'cpu',
      notes,
    }),
  ];
  const [one, ten, naive] = rows.map((row) => row.medianSeconds) as [number, number, number];
  console.log(
    `10 epochs / 1 epoch wall time: ${(ten / one).toFixed(2)}×; naive 10 epochs / cached 10 epochs: ${(naive / ten).toFixed(1)}×`,
  );
  backbone.dispose();
  return rows;
}
