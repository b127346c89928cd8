// The fine-tuning step workload the train rows share: a random-weight backbone with every layer
// trainable, a 1000-class linear head (the PyTorch side trains torchvision's full model), SGD
// momentum 0.9, and one seeded batch of 16 normalized 224x224 images with one-hot targets.
import { normalizeImages } from '@graft/core';
import { linearHead } from '@graft/heads';
import { type OptimizedVariable, sgd } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { type BackboneKey, benchImageSize, createRandomBackbone } from './workloads.js';

export const trainBatchSize = 16;
const classes = 1000;

/** Builds the workload; `dispose` releases everything it made. */
export async function createTrainWorkload(key: BackboneKey) {
  const backbone = await createRandomBackbone(key);
  const size = benchImageSize(key);
  backbone.unfreeze();
  const head = linearHead({ featureDim: backbone.featureDim, numClasses: classes, seed: 1 });
  const variables: OptimizedVariable[] = [
    ...backbone.model.trainableWeights,
    ...head.model.trainableWeights,
  ].map((weight, index) => ({
    key: `${index}/${weight.name}`,
    variable: weight.read() as tf.Variable,
  }));
  const optimizer = sgd({ learningRate: 1e-3, momentum: 0.9 });
  const pixels = tf.randomUniform([trainBatchSize, size, size, 3], 0, 255, 'float32', 1);
  const images = normalizeImages(pixels as tf.Tensor4D, backbone.preprocessing);
  pixels.dispose();
  const targets = tf.tidy(() =>
    tf.oneHot(tf.randomUniform([trainBatchSize], 0, classes, 'int32', 2), classes),
  );
  return {
    backbone,
    head,
    variables,
    optimizer,
    images,
    targets,
    /** Input side of the batch. */
    size,
    dispose() {
      tf.dispose([images, targets]);
      optimizer.dispose();
      head.dispose();
      backbone.dispose();
    },
  };
}
