import { type Classifier, explain, overlayHeatMap } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { element } from './dom.js';

/**
 * A canvas with the Grad-CAM map of the classifier's top class laid over `pixels` (the image as
 * the model sees it: resized or centre-cropped to its input), labelled with the class explained.
 * Every tensor made here is released; `pixels` is not disposed.
 */
export async function gradCamFigure(
  classifier: Classifier,
  pixels: tf.Tensor3D,
): Promise<HTMLElement> {
  const [explanation] = await explain(classifier, pixels);
  if (explanation === undefined) throw new Error('explain returned no map');
  const overlay = tf.tidy(() =>
    tf.div(overlayHeatMap({ image: pixels, heatMap: explanation.heatMap }), 255),
  ) as tf.Tensor3D;
  explanation.heatMap.dispose();
  const canvas = element('canvas', {
    class: 'grad-cam',
    'data-label': explanation.label,
    'aria-label': `Grad-CAM of ${explanation.label}`,
  }) as HTMLCanvasElement;
  await tf.browser.toPixels(overlay, canvas);
  overlay.dispose();
  return element('figure', { class: 'grad-cam-figure' }, [
    canvas,
    element('figcaption', { class: 'muted', text: `where it sees ${explanation.label}` }),
  ]);
}
