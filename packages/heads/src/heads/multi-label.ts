import type { Head, HeadDescriptor } from '@graft/core';
import { buildHead, drawSeed } from '../build-head.js';
import { checkKnownKeys } from '../validate.js';
import { type MlpHeadOptions, mlpOptionKeys } from './mlp.js';

/** Options of {@link multiLabelHead}: those of the MLP head, but no hidden layer by default. */
export interface MultiLabelHeadOptions extends MlpHeadOptions {
  /** Widths of the hidden Dense layers; empty for a linear head. Default `[]`. */
  hiddenUnits?: number[];
  /** Dropout rate after each hidden layer (or on the features if none), in [0, 1). Default 0. */
  dropout?: number;
}

/**
 * Independent sigmoid outputs, one per label, for images that carry several labels (train with
 * binary cross-entropy). Linear by default; `hiddenUnits` makes it an MLP.
 */
export function multiLabelHead(options: MultiLabelHeadOptions): Head {
  checkKnownKeys(options, mlpOptionKeys);
  const { featureDim, numClasses } = options;
  const hiddenUnits = options.hiddenUnits ?? [];
  const hiddenActivation = options.hiddenActivation ?? 'relu';
  const dropout = options.dropout ?? 0;
  const batchNormalization = options.batchNormalization ?? false;
  const seed = options.seed ?? drawSeed();
  return buildHead(
    {
      name: 'multi-label',
      featureDim,
      numClasses,
      activation: 'sigmoid',
      hiddenUnits,
      hiddenActivation,
      dropout,
      batchNormalization,
      seed,
    },
    {
      name: 'multi-label',
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

export const multiLabelDescriptor: HeadDescriptor<MultiLabelHeadOptions> = {
  name: 'multi-label',
  description: 'Sigmoid outputs, one per label (multi-label); linear or MLP.',
  create: multiLabelHead,
};
