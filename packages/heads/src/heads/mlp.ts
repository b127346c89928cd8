import type { CreateHeadOptions, Head, HeadDescriptor } from '@graft/core';
import { buildHead, drawSeed, type HiddenActivation } from '../build-head.js';
import { checkKnownKeys } from '../validate.js';

/** Options of {@link mlpHead}. */
export interface MlpHeadOptions extends CreateHeadOptions {
  /** Widths of the hidden Dense layers, input side first. Default `[1024]`. */
  hiddenUnits?: number[];
  /** Activation of the hidden layers. Default `relu`. */
  hiddenActivation?: HiddenActivation;
  /** Dropout rate after each hidden layer, in [0, 1). Default 0.2. */
  dropout?: number;
  /** BatchNormalization between each hidden Dense and its activation. Default `false`. */
  batchNormalization?: boolean;
}

export const mlpOptionKeys = [
  'featureDim',
  'numClasses',
  'seed',
  'hiddenUnits',
  'hiddenActivation',
  'dropout',
  'batchNormalization',
] as const;

/**
 * The classic transfer-learning head: Dense(1024, relu) → Dropout → Dense(numClasses, softmax),
 * with configurable widths, depth, activation, dropout and optional BatchNorm.
 */
export function mlpHead(options: MlpHeadOptions): Head {
  checkKnownKeys(options, mlpOptionKeys);
  const { featureDim, numClasses } = options;
  const hiddenUnits = options.hiddenUnits ?? [1024];
  const hiddenActivation = options.hiddenActivation ?? 'relu';
  const dropout = options.dropout ?? 0.2;
  const batchNormalization = options.batchNormalization ?? false;
  const seed = options.seed ?? drawSeed();
  return buildHead(
    {
      name: 'mlp',
      featureDim,
      numClasses,
      activation: 'softmax',
      hiddenUnits,
      hiddenActivation,
      dropout,
      batchNormalization,
      seed,
    },
    {
      name: 'mlp',
      featureDim,
      numClasses,
      hiddenUnits,
      hiddenActivation,
      dropout,
      batchNormalization,
      seed,
    },
  );
}

export const mlpDescriptor: HeadDescriptor<MlpHeadOptions> = {
  name: 'mlp',
  description:
    'Dense(1024, relu) → Dropout → Dense(N, softmax); widths, dropout, BatchNorm configurable.',
  create: mlpHead,
};
