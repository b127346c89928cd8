import * as tf from '@tensorflow/tfjs-core';

/** ITU-R 601 luma weights, as torchvision's `rgb_to_grayscale` and PIL's `L` mode. */
const lumaWeights = [0.299, 0.587, 0.114] as const;

/** `[N] → [N, 1, 1, 1]`, for per-sample factors. */
export function perSample(values: readonly number[]): tf.Tensor4D {
  return tf.tensor4d(values as number[], [values.length, 1, 1, 1]);
}

/** `[N, H, W, 1]` luma of `[N, H, W, 3]` RGB. */
export function luma(images: tf.Tensor4D): tf.Tensor4D {
  return tf.sum(tf.mul(images, tf.tensor1d([...lumaWeights])), 3, true) as tf.Tensor4D;
}

/** `factor * a + (1 - factor) * b`, clipped to [0, 255] (PIL's `ImageEnhance` blend). */
export function blend(a: tf.Tensor4D, b: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  const factor = perSample(factors);
  return tf.clipByValue(tf.add(b, tf.mul(factor, tf.sub(a, b))), 0, 255) as tf.Tensor4D;
}

/** Multiplies each image by its factor. */
export function adjustBrightness(images: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  return tf.clipByValue(tf.mul(images, perSample(factors)), 0, 255) as tf.Tensor4D;
}

/** Blends each image with the mean of its luma (factor 0 = flat grey, 1 = unchanged). */
export function adjustContrast(images: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  const mean = tf.mean(luma(images), [1, 2, 3], true) as tf.Tensor4D;
  return blend(images, tf.broadcastTo(mean, images.shape) as tf.Tensor4D, factors);
}

/** Blends each image with its luma (factor 0 = grayscale, 1 = unchanged). */
export function adjustSaturation(images: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  return blend(images, tf.broadcastTo(luma(images), images.shape) as tf.Tensor4D, factors);
}

/**
 * Rotates each image's hue by `shifts[n]` turns (in [-0.5, 0.5]), as a rotation of the chroma
 * plane in YIQ space: one 3x3 matrix per image, applied with a batched matMul instead of a
 * per-pixel RGB→HSV→RGB round trip. Luma is kept; results match HSV hue shifts closely for
 * moderate shifts.
 */
export function adjustHue(images: tf.Tensor4D, shifts: readonly number[]): tf.Tensor4D {
  const [count, height, width] = images.shape;
  const matrices = shifts.map((shift) => hueMatrix(shift * 2 * Math.PI));
  const flat = tf.reshape(images, [count, height * width, 3]);
  const rotated = tf.matMul(flat, tf.tensor3d(matrices, [count, 3, 3]));
  return tf.clipByValue(tf.reshape(rotated, images.shape), 0, 255) as tf.Tensor4D;
}

/** Row-vector matrix (pixel · M) rotating hue by `angle` radians through YIQ. */
function hueMatrix(angle: number): number[][] {
  const toYiq = [
    [0.299, 0.587, 0.114],
    [0.596, -0.274, -0.322],
    [0.211, -0.523, 0.312],
  ];
  const fromYiq = [
    [1, 0.956, 0.621],
    [1, -0.272, -0.647],
    [1, -1.106, 1.703],
  ];
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const rotate = [
    [1, 0, 0],
    [0, cos, -sin],
    [0, sin, cos],
  ];
  const column = multiply(fromYiq, multiply(rotate, toYiq));
  // Transposed: pixels are row vectors in the matMul.
  return [0, 1, 2].map((row) => [0, 1, 2].map((col) => column[col]?.[row] ?? 0));
}

function multiply(a: number[][], b: number[][]): number[][] {
  return a.map((row) =>
    [0, 1, 2].map((col) => row.reduce((sum, value, k) => sum + value * (b[k]?.[col] ?? 0), 0)),
  );
}

/** Replaces each selected image (mask 1) by its luma on all three channels. */
export function grayscaleWhere(images: tf.Tensor4D, selected: readonly number[]): tf.Tensor4D {
  return blend(tf.broadcastTo(luma(images), images.shape) as tf.Tensor4D, images, selected);
}

/** PIL `ImageEnhance.Sharpness`: blend with a 3x3 smoothed copy (factor 1 = unchanged). */
export function adjustSharpness(images: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  const kernel = tf.div(tf.tensor4d([1, 1, 1, 1, 5, 1, 1, 1, 1], [3, 3, 1, 1]), 13) as tf.Tensor4D;
  const padded = tf.mirrorPad(
    images,
    [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ],
    'symmetric',
  );
  const smooth = tf.depthwiseConv2d(padded, tf.tile(kernel, [1, 1, 3, 1]), 1, 'valid');
  return blend(images, smooth, factors);
}

/** Keeps the top `bits[n]` bits of each 8-bit value. */
export function posterize(images: tf.Tensor4D, bits: readonly number[]): tf.Tensor4D {
  const step = perSample(bits.map((bit) => 2 ** (8 - bit)));
  return tf.mul(tf.floor(tf.div(tf.round(images), step)), step);
}

/** Inverts values at or above each image's threshold. */
export function solarize(images: tf.Tensor4D, thresholds: readonly number[]): tf.Tensor4D {
  const above = tf.cast(tf.greaterEqual(images, perSample(thresholds)), 'float32');
  return tf.add(images, tf.mul(above, tf.sub(255, tf.mul(images, 2))));
}

/** Stretches each image's channels to the full [0, 255] range (PIL `autocontrast`). */
export function autoContrast(images: tf.Tensor4D): tf.Tensor4D {
  const low = tf.min(images, [1, 2], true);
  const high = tf.max(images, [1, 2], true);
  const spread = tf.sub(high, low);
  const flat = tf.lessEqual(spread, 0);
  const scale = tf.where(flat, tf.onesLike(spread), tf.div(255, tf.maximum(spread, 1e-6)));
  const offset = tf.where(flat, tf.zerosLike(low), low);
  return tf.clipByValue(tf.mul(tf.sub(images, offset), scale), 0, 255) as tf.Tensor4D;
}
