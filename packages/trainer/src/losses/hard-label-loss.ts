import { checkFraction, type Head, InvalidArgumentError, type JsonObject } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { classificationLoss } from '../training/loss.js';
import { type ClassWeightSetting, resolveClassWeights } from './class-weights.js';
import { type ClassificationLoss, crossEntropy } from './classification-loss.js';

/** How a run turns probabilities and targets into its hard-label loss. */
export interface HardLabelLoss {
  /** The per-element loss (cross-entropy or focal). */
  loss: ClassificationLoss;
  /** One weight per class, in class order, when the run weighs classes. */
  classWeights?: number[];
  /** Label smoothing ε in [0, 1). */
  labelSmoothing: number;
}

/** Options of {@link resolveHardLabelLoss}: the trainer's loss settings and the run. */
export interface ResolveHardLabelLossOptions {
  /** `train({ loss })`. Default cross-entropy. */
  loss?: ClassificationLoss;
  /** `train({ classWeight })`. */
  classWeight?: ClassWeightSetting;
  /** `train({ labelSmoothing })`. Default 0. */
  labelSmoothing?: number;
  /** The head (its activation decides what is supported). */
  head: Pick<Head, 'activation'>;
  /** Training classes, in label order. */
  classNames: readonly string[];
  /** Training labels, for `classWeight: 'balanced'`. */
  labels: () => readonly number[];
}

/**
 * The run's hard-label loss, or `undefined` when every setting is the default (plain
 * cross-entropy, which keeps the trainer's original path). Sigmoid (multi-label) heads take
 * label smoothing only (Keras's binary form); class weights and focal loss need softmax.
 */
export function resolveHardLabelLoss(
  options: ResolveHardLabelLossOptions,
): HardLabelLoss | undefined {
  const labelSmoothing = options.labelSmoothing ?? 0;
  checkFraction('labelSmoothing', labelSmoothing);
  const loss = options.loss ?? crossEntropy();
  if (typeof loss?.elementLoss !== 'function') {
    throw new InvalidArgumentError({
      argument: 'loss',
      value: loss,
      expected: 'must be a loss built by crossEntropy(), focalLoss() or createClassificationLoss()',
    });
  }
  const softmax = options.head.activation === 'softmax';
  if (!softmax && options.classWeight !== undefined) {
    throw new InvalidArgumentError({
      argument: 'classWeight',
      value: options.classWeight,
      expected: 'needs a softmax head (a sigmoid head has no single class per example)',
    });
  }
  if (!softmax && loss.name !== 'cross-entropy') {
    throw new InvalidArgumentError({
      argument: 'loss',
      value: loss.name,
      expected: 'must be cross-entropy with a sigmoid head',
    });
  }
  const classWeights =
    options.classWeight === undefined
      ? undefined
      : resolveClassWeights({
          setting: options.classWeight,
          classNames: options.classNames,
          labels: options.classWeight === 'balanced' ? options.labels() : [],
        });
  if (classWeights === undefined && labelSmoothing === 0 && loss.name === 'cross-entropy') {
    return undefined;
  }
  return { loss, ...(classWeights ? { classWeights } : {}), labelSmoothing };
}

/** `{ loss, classWeights, labelSmoothing }` for logs and reports. */
export function hardLabelLossConfig(settings: HardLabelLoss): JsonObject {
  return {
    loss: settings.loss.getConfig(),
    ...(settings.classWeights ? { classWeights: settings.classWeights } : {}),
    labelSmoothing: settings.labelSmoothing,
  };
}

/**
 * The hard-label loss of a batch, PyTorch's `CrossEntropyLoss(weight, label_smoothing)`
 * semantics: targets are smoothed to `t(1 − ε) + ε/C`, each element weighs `w_c`, and the sum
 * is divided by the batch's target weight `Σ_i Σ_c w_c t_ic` (`Σ_i w_{y_i}` for one-hot rows;
 * the row count without weights). Mixup/cutmix soft targets weigh `Σ_c w_c t_c`, which is
 * PyTorch's rule on one-hot rows and the natural mix of it on mixed rows.
 *
 * `targetWeightMean` (the whole batch's `Σ w·t / N`) replaces the micro-batch's own, so
 * micro-batches weighted by their share of the batch sum to the full-batch loss.
 * Runs in `tf.tidy`; the caller disposes the scalar.
 */
export function hardLabelLoss(options: {
  /** `[N, C]` head output. */
  probabilities: tf.Tensor;
  /** `[N, C]` targets (one-hot or soft), before smoothing. */
  targets: tf.Tensor;
  /** The head's activation. */
  activation: 'softmax' | 'sigmoid';
  /** The run's settings. */
  settings: HardLabelLoss;
  /** The whole batch's mean target weight; default this batch's own. */
  targetWeightMean?: tf.Scalar;
}): tf.Scalar {
  const { settings } = options;
  const epsilon = settings.labelSmoothing;
  return tf.tidy(() => {
    const classes = options.targets.shape[1] ?? 1;
    const rows = options.targets.shape[0] ?? 0;
    if (options.activation === 'sigmoid') {
      // Keras's binary_crossentropy(label_smoothing): each label moves ε/2 towards 0.5.
      const smoothed = tf.add(tf.mul(options.targets, 1 - epsilon), epsilon / 2);
      return classificationLoss({
        probabilities: options.probabilities,
        targets: smoothed,
        activation: 'sigmoid',
      });
    }
    const smoothed =
      epsilon > 0
        ? tf.add(tf.mul(options.targets, 1 - epsilon), epsilon / classes)
        : options.targets;
    let elements: tf.Tensor = settings.loss.elementLoss(options.probabilities, smoothed);
    if (settings.classWeights === undefined) {
      return tf.div(tf.sum(elements), Math.max(rows, 1)) as tf.Scalar;
    }
    const weights = tf.tensor1d(settings.classWeights);
    elements = tf.mul(elements, weights);
    const denominator =
      options.targetWeightMean !== undefined
        ? tf.mul(options.targetWeightMean, rows)
        : tf.sum(tf.mul(options.targets, weights));
    return tf.div(tf.sum(elements), tf.maximum(denominator, 1e-12)) as tf.Scalar;
  });
}

/** `Σ_i Σ_c w_c t_ic / N` of a batch, or `undefined` without class weights. Caller disposes. */
export function targetWeightMean(
  settings: HardLabelLoss,
  targets: tf.Tensor,
): tf.Scalar | undefined {
  const weights = settings.classWeights;
  if (weights === undefined) return undefined;
  return tf.tidy(
    () => tf.div(tf.sum(tf.mul(targets, tf.tensor1d(weights))), targets.shape[0] ?? 1) as tf.Scalar,
  );
}

/**
 * The hard-label loss of each micro-batch of one step, normalised by the whole batch's target
 * weight (so accumulated micro-batches equal the full batch). `dispose` frees the batch's
 * weight scalar after the step.
 */
export function stepHardLabelLoss(options: {
  /** The run's settings. */
  settings: HardLabelLoss;
  /** The head's activation. */
  activation: 'softmax' | 'sigmoid';
  /** `[N, C]` targets of the whole batch. */
  targets: tf.Tensor;
}): {
  loss: (batch: { probabilities: tf.Tensor; targets: tf.Tensor }) => tf.Scalar;
  dispose: () => void;
} {
  const mean = targetWeightMean(options.settings, options.targets);
  return {
    loss: (batch) =>
      hardLabelLoss({
        probabilities: batch.probabilities,
        targets: batch.targets,
        activation: options.activation,
        settings: options.settings,
        ...(mean ? { targetWeightMean: mean } : {}),
      }),
    dispose: () => mean?.dispose(),
  };
}
