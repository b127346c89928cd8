import {
  checkBoolean,
  checkFraction,
  checkInteger,
  checkOneOf,
  checkPositiveInteger,
  type Head,
  type JsonObject,
} from '@graft/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkLayerSizes } from './validate.js';

/** Activations allowed between hidden layers. */
export const hiddenActivations = ['relu', 'relu6', 'elu', 'selu', 'swish', 'gelu', 'tanh'] as const;
/** An activation allowed between hidden layers. */
export type HiddenActivation = (typeof hiddenActivations)[number];

/** Everything that defines a head; its JSON config is `{ name, ...this }`. */
export interface HeadSpecification {
  /** Registered name of the head. */
  name: string;
  /** Length of the input feature vector. */
  featureDim: number;
  /** Outputs. */
  numClasses: number;
  /** `softmax` (one class) or `sigmoid` (independent labels). */
  activation: 'softmax' | 'sigmoid';
  /** Widths of the hidden Dense layers, input side first; empty for a linear head. */
  hiddenUnits: number[];
  /** Activation of the hidden layers. */
  hiddenActivation: HiddenActivation;
  /** Dropout rate after each hidden layer, or before the output of a linear head. */
  dropout: number;
  /** BatchNormalization between each hidden Dense and its activation. */
  batchNormalization: boolean;
  /** Seed of every initialiser and dropout mask. */
  seed: number;
}

/** A fresh seed when the caller gave none; recorded in the config so the head can be rebuilt. */
export function drawSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

/** Validates every field; the messages name the field and show the value. */
export function validateSpecification(specification: HeadSpecification): void {
  checkPositiveInteger('featureDim', specification.featureDim);
  checkPositiveInteger('numClasses', specification.numClasses);
  checkOneOf('activation', specification.activation, ['softmax', 'sigmoid'] as const);
  checkLayerSizes('hiddenUnits', specification.hiddenUnits);
  checkOneOf('hiddenActivation', specification.hiddenActivation, hiddenActivations);
  checkFraction('dropout', specification.dropout);
  checkBoolean('batchNormalization', specification.batchNormalization);
  checkInteger('seed', specification.seed);
}

/**
 * Builds the head's model: `[N, featureDim]` → (Dense → [BatchNorm] → activation → [Dropout]) per
 * hidden layer → Dense(numClasses, softmax | sigmoid). Layer names start with `head_` so they do
 * not collide with a backbone's when the two are joined into one model.
 */
export function buildHead(
  specification: HeadSpecification,
  /** What `getConfig()` returns: the descriptor's own options, `{ name, featureDim, numClasses, ... }`. */
  config: JsonObject,
): Head {
  validateSpecification(specification);
  const { seed } = specification;
  // Distinct seeds per layer: the same seed twice would give identical kernels.
  let seedOffset = 0;
  const nextSeed = () => seed + seedOffset++;
  const input = tfl.input({ shape: [specification.featureDim], name: 'head_features' });
  let x: tfl.SymbolicTensor = input;
  specification.hiddenUnits.forEach((units, index) => {
    const suffix = `${index + 1}`;
    x = tfl.layers
      .dense({
        units,
        // BatchNorm's beta makes the Dense bias redundant.
        useBias: !specification.batchNormalization,
        kernelInitializer: tfl.initializers.heNormal({ seed: nextSeed() }),
        name: `head_dense_${suffix}`,
      })
      .apply(x) as tfl.SymbolicTensor;
    if (specification.batchNormalization) {
      x = tfl.layers
        .batchNormalization({ name: `head_bn_${suffix}` })
        .apply(x) as tfl.SymbolicTensor;
    }
    x = tfl.layers
      .activation({
        activation: specification.hiddenActivation,
        name: `head_${specification.hiddenActivation}_${suffix}`,
      })
      .apply(x) as tfl.SymbolicTensor;
    if (specification.dropout > 0) {
      x = tfl.layers
        .dropout({ rate: specification.dropout, seed: nextSeed(), name: `head_dropout_${suffix}` })
        .apply(x) as tfl.SymbolicTensor;
    }
  });
  if (specification.hiddenUnits.length === 0 && specification.dropout > 0) {
    x = tfl.layers
      .dropout({ rate: specification.dropout, seed: nextSeed(), name: 'head_dropout' })
      .apply(x) as tfl.SymbolicTensor;
  }
  const output = tfl.layers
    .dense({
      units: specification.numClasses,
      activation: specification.activation,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: nextSeed() }),
      name: 'head_output',
    })
    .apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({
    inputs: input,
    outputs: output,
    name: `head_${specification.name.replace(/[^A-Za-z0-9_]/g, '_')}`,
  });
  const frozen = JSON.stringify(config);
  return {
    name: specification.name,
    activation: specification.activation,
    model,
    getConfig: () => JSON.parse(frozen) as JsonObject,
    dispose: () => model.dispose(),
  };
}
