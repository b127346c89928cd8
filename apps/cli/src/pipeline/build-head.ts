import type { Head } from '@graft/core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Options of {@link buildHead}. */
export interface BuildHeadOptions {
  featureDim: number;
  numClasses: number;
  seed: number;
}

/** The classifier head: a linear softmax layer on the pooled features (a linear probe). */
export function buildHead(options: BuildHeadOptions): Head {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({
        inputShape: [options.featureDim],
        units: options.numClasses,
        activation: 'softmax',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: options.seed }),
        name: 'head_dense',
      }),
    ],
  });
  return {
    name: 'linear',
    activation: 'softmax',
    model,
    getConfig: () => ({
      name: 'linear',
      featureDim: options.featureDim,
      numClasses: options.numClasses,
      seed: options.seed,
    }),
    dispose: () => model.dispose(),
  };
}
