import type { DecodedImage } from '@graft/datasets';
import { type Classifier, explain, overlayHeatMap } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';

/** Options of {@link renderExplanation}. */
export interface RenderExplanationOptions {
  /** The loaded classifier. */
  classifier: Classifier;
  /** The decoded original image (any size; the classifier resizes it as in training). */
  image: DecodedImage;
  /** Class explained, by name. Default: the image's most probable class. */
  className?: string;
  /** The backbone's feature map layer (see `featureMapLayerOf`). Default: the last 4-D map. */
  featureMapLayer?: string;
  /** Longest side of the overlay; larger originals are shrunk for it. Default 1024. */
  maxSide?: number;
  /** Weight of the heat-map colours, in [0, 1]. Default 0.5. */
  opacity?: number;
}

/** The original with its Grad-CAM overlay, as RGB bytes, and what it explains. */
export interface RenderedExplanation extends DecodedImage {
  /** Class explained. */
  label: string;
  /** The classifier's probability of that class. */
  probability: number;
}

/**
 * Explains one image with Grad-CAM and lays the heat map over the original (its centre-crop
 * window when the classifier crops). Every tensor is released before returning.
 */
export async function renderExplanation(
  options: RenderExplanationOptions,
): Promise<RenderedExplanation> {
  const { classifier, image } = options;
  const original = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  let explanation: Awaited<ReturnType<typeof explain>>[number];
  try {
    const [first] = await explain(classifier, original, {
      ...(options.className !== undefined ? { className: options.className } : {}),
      ...(options.featureMapLayer !== undefined
        ? { featureMapLayer: options.featureMapLayer }
        : {}),
    });
    explanation = first as typeof explanation;
  } finally {
    original.dispose();
  }
  const shown = await shrink(image, options.maxSide ?? 1024);
  const pixels = tf.tidy(() => {
    const overlay = overlayHeatMap({
      image: tf.tensor3d(shown.data, [shown.height, shown.width, 3], 'int32'),
      heatMap: explanation.heatMap,
      preprocessing: classifier.metadata.graft.preprocessing,
      ...(options.opacity !== undefined ? { opacity: options.opacity } : {}),
    });
    return tf.cast(tf.clipByValue(tf.round(overlay), 0, 255), 'int32');
  });
  explanation.heatMap.dispose();
  const data = Uint8Array.from(await pixels.data());
  pixels.dispose();
  return {
    width: shown.width,
    height: shown.height,
    data,
    label: explanation.label,
    probability: explanation.probability,
  };
}

/** PNG bytes of RGB pixels. */
export function encodePng(image: DecodedImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toBuffer();
}

async function shrink(image: DecodedImage, maxSide: number): Promise<DecodedImage> {
  if (Math.max(image.width, image.height) <= maxSide) return image;
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize({ width: maxSide, height: maxSide, fit: 'inside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}
