import { checkPositive, InvalidArgumentError, type JsonObject } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { Classifier } from '../classifier/classifier.js';
import { classificationLoss } from '../training/loss.js';
import { asLogitsTeacher, isFeatureTeacher, type LogitsTeacher, type Teacher } from './teacher.js';

/** Options of {@link distillation}. */
export interface DistillationOptions {
  /**
   * The frozen teacher: a `Classifier` (from `loadClassifier`), a frozen `{ backbone, head }`, or
   * anything with `logits(images)` and an `id`. It never trains. It sees the same (augmented)
   * pixels as the student, through its own resize and normalisation.
   */
  teacher: Teacher;
  /** Softmax temperature `T` (> 0) of both teacher and student in the soft term. Default 4. */
  temperature?: number;
  /**
   * Weight `α` in [0, 1] of the soft term: loss = (1 − α)·CE(hard labels) + α·T²·KL(teacher ‖
   * student). 0 = hard labels only, 1 = teacher only. Default 0.5.
   */
  alpha?: number;
}

/** A distillation loss term for `train({ lossTerms })`; build it with {@link distillation}. */
export interface DistillationLoss {
  /** Discriminates the loss terms. */
  readonly kind: 'distillation';
  /** The teacher as given. */
  readonly teacher: Teacher;
  /** The teacher on pixels (logits, cache id). */
  readonly logitsTeacher: LogitsTeacher;
  /** Softmax temperature. */
  readonly temperature: number;
  /** Weight of the soft term. */
  readonly alpha: number;
  /** `{ kind, temperature, alpha, teacher }` for metadata and logs. */
  getConfig(): JsonObject;
}

/**
 * Knowledge distillation (Hinton et al., 2015): the student matches the teacher's
 * temperature-softened class distribution as well as the hard labels,
 * `(1 − α)·CE(y, p_S) + α·T²·KL(softmax(z_T/T) ‖ softmax(z_S/T))`; the `T²` keeps the soft
 * term's gradients on the scale of the hard term's as `T` changes. Softmax heads only.
 *
 * In feature-extraction mode the frozen teacher's logits are computed once per image and
 * augmented pass (on the same augmented pixels as the student's features) and cached in the
 * feature store; when fine-tuning they are computed per batch.
 */
export function distillation(options: DistillationOptions): DistillationLoss {
  const temperature = options.temperature ?? 4;
  const alpha = options.alpha ?? 0.5;
  checkPositive('temperature', temperature);
  if (!(typeof alpha === 'number' && alpha >= 0 && alpha <= 1)) {
    throw new InvalidArgumentError({
      argument: 'alpha',
      value: alpha,
      expected: 'must be a number in [0, 1]',
    });
  }
  const teacher = options.teacher;
  const valid =
    teacher instanceof Classifier ||
    isFeatureTeacher(teacher) ||
    (typeof (teacher as LogitsTeacher)?.logits === 'function' &&
      typeof (teacher as LogitsTeacher)?.id === 'string');
  if (!valid) {
    throw new InvalidArgumentError({
      argument: 'teacher',
      value: teacher,
      expected:
        'must be a Classifier, a { backbone, head } pair, or an object with logits(images) and an id',
    });
  }
  const logitsTeacher = asLogitsTeacher(teacher);
  return {
    kind: 'distillation',
    teacher,
    logitsTeacher,
    temperature,
    alpha,
    getConfig: () => ({ kind: 'distillation', temperature, alpha, teacher: logitsTeacher.id }),
  };
}

/**
 * The soft term alone, `T²·KL(softmax(z_T/T) ‖ softmax(z_S/T))` averaged over rows. Logits may
 * be off by a constant per row (`log` of probabilities). Runs in `tf.tidy`; the caller disposes.
 */
export function softDistillationLoss(options: {
  /** `[N, C]` student logits. */
  studentLogits: tf.Tensor;
  /** `[N, C]` teacher logits. */
  teacherLogits: tf.Tensor;
  /** Temperature `T` > 0. */
  temperature: number;
}): tf.Scalar {
  const { temperature } = options;
  return tf.tidy(() => {
    const teacherLog = tf.logSoftmax(tf.div(options.teacherLogits, temperature) as tf.Tensor2D);
    const studentLog = tf.logSoftmax(tf.div(options.studentLogits, temperature) as tf.Tensor2D);
    const kl = tf.sum(tf.mul(tf.exp(teacherLog), tf.sub(teacherLog, studentLog)), -1);
    return tf.mul(tf.mean(kl), temperature * temperature) as tf.Scalar;
  });
}

/**
 * The whole distillation loss `(1 − α)·CE(targets, p) + α·T²·KL`, from the student's softmax
 * probabilities (its logits up to a constant per row are `log p`). Runs in `tf.tidy`.
 */
export function distillationLoss(options: {
  /** `[N, C]` student softmax output. */
  studentProbabilities: tf.Tensor;
  /** `[N, C]` teacher logits. */
  teacherLogits: tf.Tensor;
  /** `[N, C]` hard (or soft) label targets. */
  targets: tf.Tensor;
  /** Temperature `T` > 0. */
  temperature: number;
  /** Weight of the soft term in [0, 1]. */
  alpha: number;
  /** The hard-label loss (class weights, smoothing, focal). Default: cross-entropy. */
  hardLoss?: (probabilities: tf.Tensor, targets: tf.Tensor) => tf.Scalar;
}): { total: tf.Scalar; hard: tf.Scalar; soft: tf.Scalar } {
  const hard = options.hardLoss
    ? options.hardLoss(options.studentProbabilities, options.targets)
    : classificationLoss({
        probabilities: options.studentProbabilities,
        targets: options.targets,
        activation: 'softmax',
      });
  const soft = tf.tidy(() =>
    softDistillationLoss({
      studentLogits: tf.log(tf.clipByValue(options.studentProbabilities, 1e-30, 1)),
      teacherLogits: options.teacherLogits,
      temperature: options.temperature,
    }),
  );
  const total = tf.tidy(
    () => tf.add(tf.mul(hard, 1 - options.alpha), tf.mul(soft, options.alpha)) as tf.Scalar,
  );
  return { total, hard, soft };
}
