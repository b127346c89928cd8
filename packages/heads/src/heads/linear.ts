import type { CreateHeadOptions, Head, HeadDescriptor } from '@graft/core';
import { buildHead, drawSeed } from '../build-head.js';
import { checkKnownKeys } from '../validate.js';

/** Options of {@link linearHead}. */
export interface LinearHeadOptions extends CreateHeadOptions {
  /** Dropout rate on the features before the Dense layer, in [0, 1). Default 0. */
  dropout?: number;
}

const known = ['featureDim', 'numClasses', 'seed', 'dropout'] as const;

/** Dense(numClasses, softmax) on the pooled features: logistic regression, the linear probe. */
export function linearHead(options: LinearHeadOptions): Head {
  checkKnownKeys(options, known);
  const { featureDim, numClasses } = options;
  const dropout = options.dropout ?? 0;
  const seed = options.seed ?? drawSeed();
  return buildHead(
    {
      name: 'linear',
      featureDim,
      numClasses,
      activation: 'softmax',
      hiddenUnits: [],
      hiddenActivation: 'relu',
      dropout,
      batchNormalization: false,
      seed,
    },
    { name: 'linear', featureDim, numClasses, dropout, seed },
  );
}

export const linearDescriptor: HeadDescriptor<LinearHeadOptions> = {
  name: 'linear',
  description: 'Dense + softmax on pooled features (linear probe).',
  create: linearHead,
};
