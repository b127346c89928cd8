import type { JsonObject } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { SlotStore } from './slot-store.js';
import { checkFraction, checkNonNegative, checkPositive, checkState } from './validate.js';

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** Learning rate when the trainer has no schedule. Default 0.01. */
  learningRate?: number;
  /** Momentum in [0, 1). Default 0 (plain SGD). */
  momentum?: number;
  /** Nesterov momentum (PyTorch's formulation). Default `false`. */
  nesterov?: boolean;
  /** L2 penalty added to the gradient (coupled, as PyTorch SGD's `weight_decay`). Default 0. */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent with optional (Nesterov) momentum, PyTorch's update:
 * `v = momentum·v + g`; `w -= lr·(nesterov ? g + momentum·v : v)`.
 */
export function sgd(options: SgdOptions = {}): Optimizer {
  const learningRate = options.learningRate ?? 0.01;
  const momentum = options.momentum ?? 0;
  const nesterov = options.nesterov ?? false;
  const weightDecay = options.weightDecay ?? 0;
  checkPositive('learningRate', learningRate);
  checkNonNegative('weightDecay', weightDecay);
  checkFraction('momentum', momentum);
  const slots = new SlotStore();
  let iterations = 0;
  return {
    name: 'sgd',
    learningRate,
    get iterations() {
      return iterations;
    },
    applyGradients({ variables, gradients, learningRate: rate }) {
      variables.forEach((entry, index) => {
        const gradient = gradients[index];
        if (gradient === undefined) return;
        // One tidy per weight: an update's temporaries are freed before the next one, so the peak
        // is a few copies of the largest weight, not of all of them (Adam: ~12x the weights before).
        tf.tidy(() => {
          const lr = rate * (entry.learningRateMultiplier ?? 1);
          let g = gradient;
          if (weightDecay > 0 && entry.decay !== false) {
            g = tf.add(g, tf.mul(entry.variable, weightDecay));
          }
          let update = g;
          if (momentum > 0) {
            const velocity = slots.get(entry.key, 'momentum', entry.variable);
            const next = tf.add(tf.mul(velocity, momentum), g);
            velocity.assign(next);
            update = nesterov ? tf.add(g, tf.mul(next, momentum)) : next;
          }
          entry.variable.assign(tf.sub(entry.variable, tf.mul(update, lr)));
        });
      });
      iterations++;
    },
    getConfig(): JsonObject {
      return { name: 'sgd', learningRate, momentum, nesterov, weightDecay };
    },
    getState(): OptimizerState {
      return { name: 'sgd', iterations, slots: slots.snapshot() };
    },
    setState(state) {
      checkState('sgd', state);
      iterations = state.iterations;
      slots.restore(state.slots);
    },
    dispose() {
      slots.dispose();
    },
  };
}
