import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  fromHost,
  type HostTensor,
  maxRelativeError,
  tidyHost,
  toHost,
} from './compare-backends.js';

/** Loss and gradient of every trainable weight for one batch, copied to host memory. */
export interface HostGradients {
  /** The mean categorical cross-entropy of the batch. */
  loss: number;
  /** Gradient per trainable weight, keyed by the weight's name. */
  gradients: Map<string, HostTensor>;
}

/**
 * Computes, on the active backend, the gradients of every trainable weight of `model` for one
 * batch in training mode (BatchNormalization uses the batch statistics), as `fit` would.
 */
export function modelGradients(options: {
  /** The model, in any backend: tfjs moves weight data to the active backend when read. */
  model: tfl.LayersModel;
  /** Images `[N, H, W, 3]`. */
  images: HostTensor;
  /** One-hot labels `[N, classes]`. */
  labels: HostTensor;
  /**
   * Training mode (BatchNormalization normalises with the batch statistics). `false` gives
   * frozen BatchNormalization (moving statistics), as the trainer's default. Default true.
   */
  training?: boolean;
}): HostGradients {
  return tidyHost(() => {
    const images = fromHost(options.images);
    const labels = fromHost(options.labels);
    const weights = options.model.trainableWeights;
    const variables = weights.map((weight) => weight.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => {
      const probabilities = options.model.apply(images, {
        training: options.training ?? true,
      }) as tf.Tensor;
      const logLikelihood = tf.sum(tf.mul(labels, tf.log(tf.add(probabilities, 1e-7))), 1);
      return tf.neg(tf.mean(logLikelihood)) as tf.Scalar;
    }, variables);
    const gradients = new Map<string, HostTensor>();
    weights.forEach((weight, index) => {
      const gradient = grads[(variables[index] as tf.Variable).name];
      if (gradient === undefined) throw new Error(`No gradient for ${weight.name}`);
      gradients.set(weight.name, toHost(gradient));
    });
    return { loss: value.dataSync()[0] ?? Number.NaN, gradients };
  });
}

/** One-hot labels `[batch, classes]` cycling through the classes. */
export function cyclicLabels(batch: number, classes: number): HostTensor {
  const values = new Float32Array(batch * classes);
  for (let index = 0; index < batch; index++) values[index * classes + (index % classes)] = 1;
  return { shape: [batch, classes], values };
}

/** How two sets of model gradients differ. */
export interface GradientComparison {
  /** Largest {@link maxRelativeError} over the weights whose gradient does not vanish. */
  worstError: number;
  /** The weight with that error. */
  worstWeight: string;
  /**
   * Weights whose reference gradient vanishes (below `vanishing` × the model's largest gradient
   * entry): zero in exact arithmetic, e.g. the beta of a BatchNormalization followed by a conv
   * and another BatchNormalization in training mode. Their values are rounding noise, so they
   * are checked against the model's gradient scale instead of their own.
   */
  vanishingWeights: string[];
  /** Largest absolute difference on vanishing weights, divided by the model's largest gradient entry. */
  vanishingError: number;
}

/** Compares gradients weight by weight (see {@link GradientComparison}). */
export function compareGradients(
  actual: HostGradients,
  expected: HostGradients,
  vanishing = 1e-5,
): GradientComparison {
  let modelScale = 0;
  for (const gradient of expected.gradients.values()) {
    for (const value of gradient.values) modelScale = Math.max(modelScale, Math.abs(value));
  }
  const comparison: GradientComparison = {
    worstError: 0,
    worstWeight: '',
    vanishingWeights: [],
    vanishingError: 0,
  };
  for (const [name, reference] of expected.gradients) {
    const candidate = actual.gradients.get(name);
    if (candidate === undefined) throw new Error(`No gradient for ${name}`);
    let scale = 0;
    for (const value of reference.values) scale = Math.max(scale, Math.abs(value));
    if (scale <= vanishing * modelScale) {
      comparison.vanishingWeights.push(name);
      // With floor = modelScale (> scale) the error is already relative to the model's scale.
      const error = maxRelativeError(candidate, reference, modelScale);
      comparison.vanishingError = Math.max(comparison.vanishingError, error);
      continue;
    }
    const error = maxRelativeError(candidate, reference);
    if (error >= comparison.worstError) {
      comparison.worstError = error;
      comparison.worstWeight = name;
    }
  }
  return comparison;
}
