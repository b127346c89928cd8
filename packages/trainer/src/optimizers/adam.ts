import type { JsonObject } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { SlotStore } from './slot-store.js';
import { checkFraction, checkNonNegative, checkPositive, checkState } from './validate.js';

/** Options of {@link adam} and {@link adamw}. */
export interface AdamOptions {
  /** Learning rate when the trainer has no schedule. Default 0.001. */
  learningRate?: number;
  /** Decay of the first moment. Default 0.9. */
  beta1?: number;
  /** Decay of the second moment. Default 0.999. */
  beta2?: number;
  /** Added to the denominator. Default 1e-7 (Keras); PyTorch uses 1e-8. */
  epsilon?: number;
  /**
   * Weight decay. For `adam`, an L2 term added to the gradient (coupled, PyTorch `Adam`); for
   * `adamw`, decoupled: `w -= lr·weightDecay·w` besides the Adam step (Loshchilov & Hutter).
   * Default 0 for `adam`, 0.01 for `adamw`.
   */
  weightDecay?: number;
}

/** Adam (Kingma & Ba) with bias correction. */
export function adam(options: AdamOptions = {}): Optimizer {
  return createAdam('adam', options, options.weightDecay ?? 0);
}

/**
 * AdamW: Adam with decoupled weight decay, which tfjs does not provide. Decay applies to
 * variables marked `decay` (the trainer marks kernels, not biases or BatchNorm parameters).
 */
export function adamw(options: AdamOptions = {}): Optimizer {
  return createAdam('adamw', options, options.weightDecay ?? 0.01);
}

function createAdam(name: 'adam' | 'adamw', options: AdamOptions, weightDecay: number): Optimizer {
  const learningRate = options.learningRate ?? 0.001;
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const epsilon = options.epsilon ?? 1e-7;
  checkPositive('learningRate', learningRate);
  checkFraction('beta1', beta1);
  checkFraction('beta2', beta2);
  checkPositive('epsilon', epsilon);
  checkNonNegative('weightDecay', weightDecay);
  const decoupled = name === 'adamw';
  const slots = new SlotStore();
  let iterations = 0;
  return {
    name,
    learningRate,
    get iterations() {
      return iterations;
    },
    applyGradients({ variables, gradients, learningRate: rate }) {
      const t = iterations + 1;
      const correction1 = 1 - beta1 ** t;
      const correction2 = 1 - beta2 ** t;
      variables.forEach((entry, index) => {
        const gradient = gradients[index];
        if (gradient === undefined) return;
        // One tidy per weight: an update's temporaries are freed before the next one, so the peak
        // is a few copies of the largest weight, not of all of them (Adam: ~12x the weights before).
        tf.tidy(() => {
          const lr = rate * (entry.learningRateMultiplier ?? 1);
          const decays = weightDecay > 0 && entry.decay !== false;
          const g =
            decays && !decoupled ? tf.add(gradient, tf.mul(entry.variable, weightDecay)) : gradient;
          const first = slots.get(entry.key, 'm', entry.variable);
          const second = slots.get(entry.key, 'v', entry.variable);
          const nextFirst = tf.add(tf.mul(first, beta1), tf.mul(g, 1 - beta1));
          const nextSecond = tf.add(tf.mul(second, beta2), tf.mul(tf.square(g), 1 - beta2));
          first.assign(nextFirst);
          second.assign(nextSecond);
          const step = tf.div(
            tf.div(nextFirst, correction1),
            tf.add(tf.sqrt(tf.div(nextSecond, correction2)), epsilon),
          );
          let weights: tf.Tensor = entry.variable;
          // PyTorch AdamW order: decay the weights, then take the Adam step.
          if (decays && decoupled) weights = tf.mul(weights, 1 - lr * weightDecay);
          entry.variable.assign(tf.sub(weights, tf.mul(step, lr)));
        });
      });
      iterations = t;
    },
    getConfig(): JsonObject {
      return { name, learningRate, beta1, beta2, epsilon, weightDecay };
    },
    getState(): OptimizerState {
      return { name, iterations, slots: slots.snapshot() };
    },
    setState(state) {
      checkState(name, state);
      iterations = state.iterations;
      slots.restore(state.slots);
    },
    dispose() {
      slots.dispose();
    },
  };
}
