import { InvalidArgumentError, normalizeImages } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Classifier } from '../classifier/classifier.js';
import { resizeToInput } from '../classifier/resize-to-input.js';
import { gradCam } from './grad-cam.js';

/** Options of {@link explain}. */
export interface ExplainOptions {
  /** Class explained for every image, by name. Default: each image's most probable class. */
  className?: string;
  /**
   * Layer whose output is the feature map explained: the backbone's `featureMapLayer` (from
   * its descriptor). Default: the last 4-D tensor of the model, the map global pooling reads.
   */
  featureMapLayer?: string;
}

/** One image's explanation. */
export interface Explanation {
  /** Class explained. */
  label: string;
  /** Its index in the classifier's labels. */
  index: number;
  /** The classifier's probability of that class for the image. */
  probability: number;
  /**
   * `[h, w]` Grad-CAM map in [0, 1] at the feature map's resolution, over the model's input
   * (the resized or centre-cropped view); `overlayHeatMap` lays it on the original image. The
   * caller disposes it.
   */
  heatMap: tf.Tensor2D;
  /** Name of the layer explained. */
  featureMapLayer: string;
}

/**
 * Grad-CAM explanations of a loaded classifier's decisions for pixels in [0, 255] (`[N, H, W,
 * 3]` or one `[H, W, 3]` image, any size: resized by the stored policy, as `predict` does).
 * Any backbone works, registered or custom: the map is the backbone's last spatial feature map
 * before pooling. Does not dispose `images`.
 */
export async function explain(
  classifier: Classifier,
  images: tf.Tensor3D | tf.Tensor4D,
  options: ExplainOptions = {},
): Promise<Explanation[]> {
  const labels = classifier.labels;
  let classIndex: number | undefined;
  if (options.className !== undefined) {
    classIndex = labels.indexOf(options.className);
    if (classIndex < 0) {
      throw new InvalidArgumentError({
        argument: 'className',
        value: options.className,
        expected: `must be one of the classifier's classes: ${labels.join(', ')}`,
      });
    }
  }
  const inputs = tf.tidy(() => {
    const batch = (images.rank === 3 ? tf.expandDims(images, 0) : images) as tf.Tensor4D;
    const preprocessing = classifier.metadata.graft.preprocessing;
    const resized = resizeToInput(tf.cast(batch, 'float32') as tf.Tensor4D, preprocessing);
    return normalizeImages(resized, preprocessing);
  });
  let result: ReturnType<typeof gradCam>;
  try {
    result = gradCam({
      model: classifier.model,
      inputs,
      ...(classIndex !== undefined ? { classIndex } : {}),
      ...(options.featureMapLayer !== undefined
        ? { featureMapLayer: options.featureMapLayer }
        : {}),
    });
  } finally {
    inputs.dispose();
  }
  const [classIndices, outputs] = await Promise.all([
    result.classIndices.data(),
    result.outputs.data(),
  ]);
  const heatMaps = tf.unstack(result.heatMaps) as tf.Tensor2D[];
  tf.dispose([result.heatMaps, result.classIndices, result.outputs]);
  const classCount = labels.length;
  return heatMaps.map((heatMap, image) => {
    const index = classIndices[image] as number;
    return {
      label: labels[index] ?? String(index),
      index,
      probability: outputs[image * classCount + index] as number,
      heatMap,
      featureMapLayer: result.featureMapLayer,
    };
  });
}
