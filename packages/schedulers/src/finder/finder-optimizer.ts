import * as tf from '@tensorflow/tfjs-core';
import { checkOneOf } from '../validate.js';
import type { StepOptimizer } from './learning-rate-finder-options.js';

/**
 * The optimizer the range test steps with: a tfjs optimizer by name (whose rate is set on every
 * step, and which `release` disposes), or the caller's own.
 */
export function resolveOptimizer(choice: 'sgd' | 'momentum' | 'adam' | StepOptimizer): {
  optimizer: StepOptimizer;
  release: () => void;
} {
  if (
    typeof choice === 'object' &&
    choice !== null &&
    typeof choice.applyGradients === 'function'
  ) {
    return { optimizer: choice, release: () => {} };
  }
  checkOneOf('optimizer', choice, ['sgd', 'momentum', 'adam'] as const);
  const inner =
    choice === 'sgd'
      ? tf.train.sgd(1)
      : choice === 'momentum'
        ? tf.train.momentum(1, 0.9)
        : tf.train.adam(1);
  const setLearningRate = (learningRate: number) => {
    const settable = inner as unknown as {
      learningRate: number;
      setLearningRate?: (value: number) => void;
    };
    // SGD caches the rate in a scalar set by setLearningRate; Adam reads its field every update.
    if (typeof settable.setLearningRate === 'function') settable.setLearningRate(learningRate);
    else settable.learningRate = learningRate;
  };
  return {
    optimizer: {
      applyGradients({ variables, gradients, learningRate }) {
        setLearningRate(learningRate);
        inner.applyGradients(
          variables.map((entry, index) => ({
            name: entry.variable.name,
            tensor: gradients[index] as tf.Tensor,
          })),
        );
      },
    },
    release: () => {
      inner.dispose();
      // tfjs 4.22's MomentumOptimizer.dispose() skips SGD's learning-rate scalar `c`.
      const scalar = (inner as unknown as { c?: tf.Tensor }).c;
      if (scalar !== undefined && !scalar.isDisposed) scalar.dispose();
    },
  };
}
