import { type Backbone, type Head, normalizeImages } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { Classifier } from '../classifier/classifier.js';
import { resizeToInput } from '../classifier/resize-to-input.js';
import { contentHash } from '../features/content-hash.js';

/**
 * Anything that gives class logits for raw pixels: the most general distillation teacher.
 * The teacher resizes and normalises the pixels itself (its preprocessing may differ from the
 * student's).
 */
export interface LogitsTeacher {
  /** Names the teacher's weights in cache keys: logits are cached under it. */
  readonly id: string;
  /**
   * `[N, C]` logits (up to a constant per row, which a softmax ignores) for `[N, H, W, 3]`
   * float32 pixels in [0, 255]. The caller disposes the result.
   */
  logits(images: tf.Tensor4D): tf.Tensor2D;
  /** Class names in output order; checked against the training data when given. */
  readonly labels?: readonly string[];
}

/**
 * A frozen backbone + head teacher. In feature-extraction mode its logits come from the
 * backbone's cached features (same keys as when the teacher was trained on the same passes,
 * so a shared feature store makes them free), then the head.
 */
export interface FeatureTeacher {
  /** The teacher's frozen backbone. */
  readonly backbone: Backbone;
  /** The teacher's trained head (softmax). */
  readonly head: Head;
}

/** What `distillation({ teacher })` accepts. */
export type Teacher = Classifier | LogitsTeacher | FeatureTeacher;

/** Probabilities below this are clipped before the log (float32 softmax can underflow to 0). */
const tinyProbability = 1e-30;

/**
 * Logits from probabilities, up to a constant per row: `log p` for a softmax (exact, since
 * `softmax(log p) = p`), `log(p / (1 − p))` for a sigmoid. Runs in `tf.tidy`; the caller disposes.
 */
export function logitsFromProbabilities(
  probabilities: tf.Tensor,
  activation: 'softmax' | 'sigmoid',
): tf.Tensor {
  return tf.tidy(() => {
    const clipped = tf.clipByValue(probabilities, tinyProbability, 1);
    if (activation === 'softmax') return tf.log(clipped);
    const complement = tf.clipByValue(tf.sub(1, probabilities), tinyProbability, 1);
    return tf.sub(tf.log(clipped), tf.log(complement));
  });
}

/** Whether `teacher` is a frozen backbone + head pair. */
export function isFeatureTeacher(teacher: Teacher): teacher is FeatureTeacher {
  return (
    !(teacher instanceof Classifier) &&
    typeof (teacher as FeatureTeacher).backbone === 'object' &&
    typeof (teacher as FeatureTeacher).head === 'object'
  );
}

/**
 * The teacher as a {@link LogitsTeacher} that works on pixels: a loaded `Classifier` (its own
 * resize policy and normalisation, `log` of its probabilities; cache id = hash of its
 * metadata), a backbone + head (the backbone's preprocessing), or the logits teacher itself.
 */
export function asLogitsTeacher(teacher: Teacher): LogitsTeacher {
  if (teacher instanceof Classifier) {
    const activation = teacher.metadata.graft.activation;
    const id = `classifier:${contentHash(new TextEncoder().encode(JSON.stringify(teacher.metadata)))}`;
    return {
      id,
      labels: teacher.labels,
      logits: (images) =>
        tf.tidy(
          () =>
            logitsFromProbabilities(
              teacher.predictProbabilities(images),
              activation,
            ) as tf.Tensor2D,
        ),
    };
  }
  if (isFeatureTeacher(teacher)) {
    const { backbone, head } = teacher;
    const id = `backbone+head:${backbone.weightsId}:${contentHash(new TextEncoder().encode(JSON.stringify(head.getConfig())))}`;
    return {
      id,
      logits: (images) =>
        tf.tidy(() => {
          const resized = resizeToInput(images, backbone.preprocessing);
          const input = normalizeImages(resized, backbone.preprocessing);
          const features = backbone.model.predict(input) as tf.Tensor;
          return logitsFromProbabilities(
            head.model.predict(features) as tf.Tensor,
            head.activation,
          ) as tf.Tensor2D;
        }),
    };
  }
  return teacher;
}
