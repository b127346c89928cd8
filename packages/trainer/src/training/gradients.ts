import * as tf from '@tensorflow/tfjs-core';
import type { OptimizedVariable } from '../optimizers/optimizer.js';
import { classificationLoss, correctCount } from './loss.js';

/** One micro-batch, as a custom step loss sees it. */
export interface LossBatch {
  /** `[n, C]` output of `forward` (probabilities). */
  probabilities: tf.Tensor;
  /** `[n, C]` float targets of these rows. */
  targets: tf.Tensor;
  /** The micro-batch's inputs. */
  inputs: tf.Tensor;
  /** First row of the micro-batch within the batch. */
  start: number;
  /** Rows in the micro-batch. */
  size: number;
}

/** What one accumulated step produced. The caller disposes every tensor. */
export interface StepGradients {
  /** Mean loss over the batch. */
  loss: tf.Scalar;
  /** Number of correct rows in the batch (arg-max; exact match for a sigmoid head). */
  correct: tf.Scalar;
  /** One gradient per variable (mean over the batch), same order as the variables. */
  gradients: tf.Tensor[];
  /** Global L2 norm of the gradients before clipping. */
  globalNorm: tf.Scalar;
}

/**
 * Gradients of the mean loss over a batch, computed `microBatchSize` rows at a time and summed
 * (each micro-batch's loss weighted by its share of the batch), so a large batch fits in a
 * capped heap. The sum equals the full-batch gradient except through BatchNorm batch statistics,
 * which are per micro-batch. Clips by global norm when `clipNorm` is given.
 */
export function computeGradients(options: {
  /** `inputs` → `[n, C]` probabilities, in training mode. */
  forward: (inputs: tf.Tensor) => tf.Tensor;
  /** Inputs, first axis = batch. Not disposed. */
  inputs: tf.Tensor;
  /** `[N, C]` float targets. Not disposed. */
  targets: tf.Tensor;
  /** The head's activation, which picks the loss. */
  activation: 'softmax' | 'sigmoid';
  /** Trainable variables. */
  variables: readonly OptimizedVariable[];
  /** Rows per forward/backward pass. Default: the whole batch. */
  microBatchSize?: number;
  /** Clip the gradients to this global L2 norm. */
  clipNorm?: number;
  /**
   * Mean loss of one micro-batch (called inside the gradient tape). Default: the
   * classification loss of `activation`.
   */
  loss?: (batch: LossBatch) => tf.Scalar;
}): StepGradients {
  const total = options.inputs.shape[0] ?? 0;
  const micro = Math.max(1, Math.min(options.microBatchSize ?? total, total));
  const variableList = options.variables.map((entry) => entry.variable);
  let accumulated: tf.Tensor[] | undefined;
  let loss: tf.Scalar = tf.scalar(0);
  let correct: tf.Scalar = tf.scalar(0);
  for (let start = 0; start < total; start += micro) {
    const size = Math.min(micro, total - start);
    const weight = size / total;
    const inputs = tf.slice(options.inputs, start, size);
    const targets = tf.slice(options.targets, start, size);
    let batchCorrect: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const probabilities = options.forward(inputs);
      batchCorrect = tf.keep(correctCount(probabilities, targets, options.activation));
      const batchLoss = options.loss
        ? options.loss({ probabilities, targets, inputs, start, size })
        : classificationLoss({
            probabilities,
            targets,
            activation: options.activation,
          });
      return tf.mul(batchLoss, weight) as tf.Scalar;
    }, variableList);
    tf.dispose([inputs, targets]);
    const ordered = variableList.map((variable) => {
      const gradient = grads[variable.name];
      // A variable that does not reach the loss (e.g. unused branch) gets a zero gradient.
      return gradient ?? tf.zerosLike(variable);
    });
    if (accumulated === undefined) {
      accumulated = ordered;
    } else {
      const previous = accumulated;
      accumulated = previous.map((sum, index) => tf.add(sum, ordered[index] as tf.Tensor));
      tf.dispose([...previous, ...ordered]);
    }
    const previousLoss = loss;
    const previousCorrect = correct;
    loss = tf.add(previousLoss, value) as tf.Scalar;
    correct = tf.add(previousCorrect, batchCorrect as tf.Scalar) as tf.Scalar;
    tf.dispose([previousLoss, previousCorrect, value, batchCorrect as tf.Scalar]);
  }
  const { gradients, globalNorm } = clipByGlobalNorm(accumulated ?? [], options.clipNorm);
  return { loss, correct, gradients, globalNorm };
}

/**
 * The global L2 norm of `gradients` and, when `clipNorm` is given, the gradients scaled to at
 * most that norm. Takes ownership of `gradients` (disposes them when it returns scaled copies).
 */
export function clipByGlobalNorm(
  gradients: tf.Tensor[],
  clipNorm: number | undefined,
): { gradients: tf.Tensor[]; globalNorm: tf.Scalar } {
  const globalNorm = tf.tidy(() =>
    gradients.length === 0
      ? tf.scalar(0)
      : (tf.sqrt(tf.addN(gradients.map((gradient) => tf.sum(tf.square(gradient))))) as tf.Scalar),
  );
  if (clipNorm === undefined || gradients.length === 0) return { gradients, globalNorm };
  const scale = tf.tidy(() => tf.div(clipNorm, tf.maximum(globalNorm, clipNorm)));
  const clipped = gradients.map((gradient) => tf.mul(gradient, scale));
  tf.dispose([...gradients, scale]);
  return { gradients: clipped, globalNorm };
}
