import type { BackboneTrainingEngine } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A {@link BackboneTrainingEngine} computed by tfjs itself, for tests of code that drives an
 * engine: the forward pass runs the backbone in training mode (updating BatchNorm's moving
 * statistics once, as tfjs does); `backward` runs it again under a gradient tape and puts the
 * moving statistics back, so the net effect is one forward pass per micro-batch.
 */
export function tfjsTrainingEngine(
  options: { concurrency?: number } = {},
): BackboneTrainingEngine & { forwards: number } {
  const state = { forwards: 0 };
  return {
    engine: { name: 'tfjs-test', detail: 'tfjs in this thread' },
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    get forwards() {
      return state.forwards;
    },
    unsupportedReason: () => undefined,
    async forward({ backbone, variables, inputs, shape }) {
      state.forwards++;
      const images = tf.tensor(inputs.slice(), [...shape]);
      const features = tf.tidy(() => backbone.model.apply(images, { training: true }) as tf.Tensor);
      const values = (await features.data()) as Float32Array;
      const featureShape = [...features.shape];
      features.dispose();
      const release = () => images.dispose();
      return {
        features: values,
        featureShape,
        async backward(featureGradient) {
          const moving = backbone.model.weights.filter((weight) => /moving_/.test(weight.name));
          const saved = moving.map((weight) => tf.clone(weight.read()));
          const upstream = tf.tensor(featureGradient, featureShape);
          const { value, grads } = tf.variableGrads(
            () =>
              tf.sum(
                tf.mul(backbone.model.apply(images, { training: true }) as tf.Tensor, upstream),
              ) as tf.Scalar,
            [...variables],
          );
          moving.forEach((weight, index) => {
            weight.write(saved[index] as tf.Tensor);
          });
          const result = await Promise.all(
            variables.map(async (variable) => {
              const gradient = grads[variable.name];
              return gradient
                ? ((await gradient.data()) as Float32Array)
                : new Float32Array(variable.size);
            }),
          );
          tf.dispose([value, upstream, images, ...saved, ...Object.values(grads)]);
          return result;
        },
        release,
      };
    },
    async close() {},
  };
}
