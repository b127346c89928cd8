import { InvalidArgumentError, type Preprocessing, resizeGeometry } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Bilinear upsampling of a `[h, w]` heat map to `size` (`[height, width]`), half-pixel centres
 * (as the image resize). Returns a new tensor the caller disposes.
 */
export function upsampleHeatMap(
  heatMap: tf.Tensor2D,
  size: readonly [number, number],
): tf.Tensor2D {
  return tf.tidy(() => {
    const batch = tf.expandDims(tf.expandDims(heatMap, 0), -1) as tf.Tensor4D;
    const resized = tf.image.resizeBilinear(batch, [size[0], size[1]], false, true);
    return tf.squeeze(resized, [0, 3]) as tf.Tensor2D;
  });
}

/**
 * The "jet" colour map (blue → cyan → yellow → red) of values in [0, 1], as `[h, w, 3]` RGB in
 * [0, 255]. Returns a new tensor the caller disposes.
 */
export function heatMapColours(heatMap: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const value = tf.clipByValue(heatMap, 0, 1);
    // Piecewise-linear jet: each channel is a tent of width 1.5 centred at 3/4, 1/2, 1/4.
    const channel = (centre: number) =>
      tf.clipByValue(tf.sub(1.5, tf.abs(tf.sub(tf.mul(value, 4), centre * 4))), 0, 1);
    return tf.mul(tf.stack([channel(0.75), channel(0.5), channel(0.25)], -1), 255) as tf.Tensor3D;
  });
}

/** Options of {@link overlayHeatMap}. */
export interface OverlayHeatMapOptions {
  /** The original image, `[H, W, 3]` pixels in [0, 255], any size. Not disposed. */
  image: tf.Tensor3D;
  /** `[h, w]` map in [0, 1] over the model's input (an {@link Explanation}'s). Not disposed. */
  heatMap: tf.Tensor2D;
  /**
   * The classifier's preprocessing: with `center-crop`, the map covers only the window of the
   * image the model saw, and the rest is left as it is. Default: the map covers the whole image
   * (`stretch`).
   */
  preprocessing?: Preprocessing;
  /** Weight of the colours where the map covers the image, in [0, 1]. Default 0.5. */
  opacity?: number;
}

/**
 * The image with the heat map laid over it in jet colours: `[H, W, 3]` float32 RGB in [0, 255]
 * (write it with `tf.browser.toPixels(overlay.div(255))`, or as raw bytes with any encoder).
 * Returns a new tensor the caller disposes.
 */
export function overlayHeatMap(options: OverlayHeatMapOptions): tf.Tensor3D {
  const { image, heatMap } = options;
  const opacity = options.opacity ?? 0.5;
  if (!(opacity >= 0 && opacity <= 1)) {
    throw new InvalidArgumentError({
      argument: 'opacity',
      value: opacity,
      expected: 'must be in [0, 1]',
    });
  }
  if (image.rank !== 3 || image.shape[2] !== 3) {
    throw new InvalidArgumentError({
      argument: 'image',
      value: image.shape,
      expected: 'must be one RGB image [H, W, 3]',
    });
  }
  const [height, width] = image.shape;
  const window = coveredWindow(width, height, options.preprocessing);
  return tf.tidy(() => {
    const inside = upsampleHeatMap(heatMap, [window.height, window.width]);
    const padding: Array<[number, number]> = [
      [window.top, height - window.top - window.height],
      [window.left, width - window.left - window.width],
    ];
    const colours = tf.pad(heatMapColours(inside), [...padding, [0, 0]]);
    const weight = tf.expandDims(tf.mul(tf.pad(tf.onesLike(inside), padding), opacity), -1);
    const pixels = tf.cast(image, 'float32');
    return tf.add(tf.mul(pixels, tf.sub(1, weight)), tf.mul(colours, weight)) as tf.Tensor3D;
  });
}

/** The rectangle of a `width x height` image the model's input was taken from. */
export function coveredWindow(
  width: number,
  height: number,
  preprocessing: Preprocessing | undefined,
): { left: number; top: number; width: number; height: number } {
  if (preprocessing === undefined || preprocessing.resize.mode === 'stretch') {
    return { left: 0, top: 0, width, height };
  }
  const [targetHeight, targetWidth] = preprocessing.inputSize;
  const geometry = resizeGeometry(width, height, preprocessing.inputSize, preprocessing.resize);
  const scaleX = width / geometry.resizeWidth;
  const scaleY = height / geometry.resizeHeight;
  const left = Math.min(width - 1, Math.max(0, Math.round(geometry.left * scaleX)));
  const top = Math.min(height - 1, Math.max(0, Math.round(geometry.top * scaleY)));
  return {
    left,
    top,
    width: Math.max(1, Math.min(width - left, Math.round(targetWidth * scaleX))),
    height: Math.max(1, Math.min(height - top, Math.round(targetHeight * scaleY))),
  };
}
