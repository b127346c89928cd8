import {
  type Classifier,
  type Prediction,
  predictWithTestTimeAugmentation,
  type TestTimeAugmentation,
} from '@graft/trainer';
import type * as tf from '@tensorflow/tfjs-core';

/** One image's top-k from probabilities averaged over its test-time augmentation views. */
export async function predictWithViews(
  classifier: Classifier,
  pixels: tf.Tensor3D,
  views: TestTimeAugmentation,
  topK: number,
): Promise<Prediction[]> {
  const probabilities = predictWithTestTimeAugmentation(classifier, pixels, { views });
  const [row] = (await probabilities.array()) as number[][];
  probabilities.dispose();
  return (row ?? [])
    .map((probability, index) => ({
      label: classifier.labels[index] ?? String(index),
      index,
      probability,
    }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, topK);
}
