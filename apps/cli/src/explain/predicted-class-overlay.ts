import type { DecodedImage } from '@graft/datasets';
import type { Classifier, Misclassified } from '@graft/trainer';
import { featureMapLayerOf } from './feature-map-layer-of.js';
import { renderExplanation } from './render-explanation.js';

/**
 * For `renderTopLosses`: lays the Grad-CAM map of the class the model wrongly predicted over a
 * misclassified image (fastai's `plot_top_losses(heatmap=True)`), at most 512 pixels a side
 * since it is shrunk to a thumbnail anyway.
 */
export function predictedClassOverlay(
  classifier: Classifier,
): (image: DecodedImage, entry: Misclassified) => Promise<DecodedImage> {
  const featureMapLayer = featureMapLayerOf(classifier);
  return async (image, entry) => {
    const rendered = await renderExplanation({
      classifier,
      image,
      maxSide: 512,
      className: classifier.labels[entry.predicted] as string,
      ...(featureMapLayer !== undefined ? { featureMapLayer } : {}),
    });
    return { width: rendered.width, height: rendered.height, data: rendered.data };
  };
}
