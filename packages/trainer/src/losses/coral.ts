import {
  checkNonNegative,
  type ImageDataset,
  InvalidArgumentError,
  type JsonObject,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

/** Which activations CORAL aligns. */
export type CoralLayer = 'logits' | 'features';

/** Options of {@link coral}. */
export interface CoralOptions {
  /**
   * Unlabelled target-domain images (an `ImageDataset` whose labels are ignored). Batches are
   * drawn from it with seeded shuffling, one per training step, as large as the source batch.
   */
  targetData: ImageDataset;
  /** Weight λ (≥ 0) of the CORAL term added to the classification loss. Default 1. */
  weight?: number;
  /**
   * `logits` (default; the paper's choice, meaningful with a frozen backbone): the head's output
   * logits (`log p` centred per row for a softmax head). `features`: the backbone's pooled
   * features; fine-tune mode only (frozen features carry no gradient).
   */
  layer?: CoralLayer;
}

/** A Deep CORAL loss term for `train({ lossTerms })`; build it with {@link coral}. */
export interface CoralLoss {
  /** Discriminates the loss terms. */
  readonly kind: 'coral';
  /** Unlabelled target-domain images. */
  readonly targetData: ImageDataset;
  /** Weight λ. */
  readonly weight: number;
  /** Aligned activations. */
  readonly layer: CoralLayer;
  /** `{ kind, weight, layer, targetImages }` for metadata and logs. */
  getConfig(): JsonObject;
}

/**
 * Deep CORAL (Sun & Saenko, 2016): adds `λ·‖C_S − C_T‖²_F / (4d²)` between the covariance of a
 * source batch's activations and that of an unlabelled target batch, pulling the second-order
 * statistics of the two domains together while the hard-label loss trains on the source.
 *
 * In feature-extraction mode the target images are featurised once (cached like the training
 * features) and each step pairs the source batch with a seeded target batch; fine-tuning
 * streams target pixels. Deterministic under the run's seed and exact across resumes.
 */
export function coral(options: CoralOptions): CoralLoss {
  const weight = options.weight ?? 1;
  const layer = options.layer ?? 'logits';
  checkNonNegative('weight', weight);
  if (layer !== 'logits' && layer !== 'features') {
    throw new InvalidArgumentError({
      argument: 'layer',
      value: layer,
      expected: 'must be one of: logits, features',
    });
  }
  const targetData = options.targetData;
  if (
    !targetData ||
    typeof targetData.batches !== 'function' ||
    !(Number.isInteger(targetData.size) && targetData.size >= 2)
  ) {
    throw new InvalidArgumentError({
      argument: 'targetData',
      value: targetData?.size,
      expected: 'must be an ImageDataset of at least 2 images',
    });
  }
  return {
    kind: 'coral',
    targetData,
    weight,
    layer,
    getConfig: () => ({ kind: 'coral', weight, layer, targetImages: targetData.size }),
  };
}

/**
 * Unbiased covariance `[d, d]` of `[n, d]` rows: `(XᵀX − (1ᵀX)ᵀ(1ᵀX)/n) / (n − 1)`.
 * Runs in `tf.tidy`; the caller disposes.
 */
export function covariance(rows: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const count = rows.shape[0];
    const centred = tf.sub(rows, tf.mean(rows, 0, true)) as tf.Tensor2D;
    return tf.div(tf.matMul(centred, centred, true, false), Math.max(count - 1, 1)) as tf.Tensor2D;
  });
}

/**
 * The CORAL distance `‖C_S − C_T‖²_F / (4d²)` between `[n, d]` source and `[m, d]` target
 * activations (unweighted). Zero when either side has fewer than 2 rows (no covariance).
 * Runs in `tf.tidy`; the caller disposes.
 */
export function coralLoss(options: {
  /** `[n, d]` source activations. */
  source: tf.Tensor2D;
  /** `[m, d]` target activations. */
  target: tf.Tensor2D;
}): tf.Scalar {
  const { source, target } = options;
  const dimension = source.shape[1];
  if (target.shape[1] !== dimension) {
    throw new InvalidArgumentError({
      argument: 'target',
      value: target.shape,
      expected: `must have ${dimension} columns like the source`,
    });
  }
  return tf.tidy(() => {
    if (source.shape[0] < 2 || target.shape[0] < 2) return tf.scalar(0);
    const difference = tf.sub(covariance(source), covariance(target));
    return tf.div(tf.sum(tf.square(difference)), 4 * dimension * dimension) as tf.Scalar;
  });
}

/**
 * Activations CORAL aligns at the `logits` layer, from a head's output probabilities: a softmax
 * head's logits centred per row (`log p − mean(log p)`, which removes the unknown per-row
 * constant), or a sigmoid head's `log(p / (1 − p))`. Runs in `tf.tidy`.
 */
export function centredLogits(
  probabilities: tf.Tensor,
  activation: 'softmax' | 'sigmoid',
): tf.Tensor2D {
  return tf.tidy(() => {
    const clipped = tf.clipByValue(probabilities, 1e-30, 1);
    if (activation === 'softmax') {
      const logs = tf.log(clipped);
      return tf.sub(logs, tf.mean(logs, -1, true)) as tf.Tensor2D;
    }
    const complement = tf.clipByValue(tf.sub(1, probabilities), 1e-30, 1);
    return tf.sub(tf.log(clipped), tf.log(complement)) as tf.Tensor2D;
  });
}
