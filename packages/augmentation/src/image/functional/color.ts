import * as tf from '@tensorflow/tfjs-core';

// Speed note: on the wasm backend, binary ops between tensors of the same shape and (batched)
// matMul are fast, while broadcasting binary ops and Tile over a whole batch are 10-50x slower.
// So per-image factors and colour maps are written as batched matMuls, not broadcasts.

/** ITU-R 601 luma weights, as torchvision's `rgb_to_grayscale` and PIL's `L` mode. */
const lumaWeights = [0.299, 0.587, 0.114] as const;

type Matrix = number[][];

const identity: Matrix = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

/** Row-vector map (pixel · M) giving every channel the luma. */
const lumaMatrix: Matrix = [0, 1, 2].map((row) => [0, 1, 2].map(() => lumaWeights[row] ?? 0));

/** `[N] → [N, 1, 1, 1]`, for small per-sample factors. */
export function perSample(values: readonly number[]): tf.Tensor4D {
  return tf.tensor4d(values as number[], [values.length, 1, 1, 1]);
}

/** Multiplies image `n` by `factors[n]` (a `[N, 1, 1, 1]` broadcast, fast on every backend). */
export function scalePerSample(images: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  return tf.mul(images, perSample(factors));
}

/**
 * `result[n] = Σ_m weights[n][m] · images[m]`: mixes whole images with one unbatched matMul,
 * much faster than `gather` of a permutation on wasm.
 */
export function mixImages(images: tf.Tensor4D, weights: readonly number[][]): tf.Tensor4D {
  const count = images.shape[0];
  const flat = tf.reshape(images, [count, -1]);
  return tf.reshape(tf.matMul(tf.tensor2d(weights.flat(), [count, count]), flat), images.shape);
}

/** `[N, H, W, 1]` → `[N, H, W, 3]` by copying the channel (a matMul, faster than Tile on wasm). */
export function expandChannels(single: tf.Tensor4D): tf.Tensor4D {
  const [count, height, width] = single.shape;
  return tf.reshape(tf.matMul(tf.reshape(single, [-1, 1]), tf.ones([1, 3])), [
    count,
    height,
    width,
    3,
  ]);
}

/** `[N, H, W, 1]` luma of `[N, H, W, 3]` RGB. */
export function luma(images: tf.Tensor4D): tf.Tensor4D {
  const [count, height, width] = images.shape;
  const weights = tf.tensor2d([...lumaWeights], [3, 1]);
  return tf.reshape(tf.matMul(tf.reshape(images, [-1, 3]), weights), [count, height, width, 1]);
}

/** `[N, 1]` mean luma of each image. */
function meanLuma(images: tf.Tensor4D): tf.Tensor2D {
  return tf.matMul(tf.mean(images, [1, 2]) as tf.Tensor2D, tf.tensor2d([...lumaWeights], [3, 1]));
}

/**
 * Applies one colour map per image, `pixel · matrices[n] + offsetScale[n] · offsetRows[n]`, and
 * clips to [0, 255]. The offset rides along as a fourth input column of ones (a pad), so the
 * whole map is a single batched matMul.
 */
export function mapColors(
  images: tf.Tensor4D,
  matrices: readonly Matrix[],
  offset?: { scale: tf.Tensor2D; rows: readonly number[][] },
): tf.Tensor4D {
  const count = images.shape[0];
  const flat = tf.reshape(images, [count, -1, 3]);
  const linear = tf.tensor3d(matrices.flat(2), [count, 3, 3]);
  let mapped: tf.Tensor3D;
  if (offset) {
    const withOnes = tf.pad(
      flat,
      [
        [0, 0],
        [0, 0],
        [0, 1],
      ],
      1,
    );
    const offsetRow = tf.mul(
      tf.reshape(offset.scale, [count, 1, 1]),
      tf.tensor3d(offset.rows.flat(), [count, 1, 3]),
    );
    mapped = tf.matMul(withOnes, tf.concat([linear, offsetRow], 1));
  } else {
    mapped = tf.matMul(flat, linear);
  }
  return tf.clipByValue(tf.reshape(mapped, images.shape), 0, 255) as tf.Tensor4D;
}

/** Per-image colour jitter factors; 1 (and hue 0) leave an image as it is. */
export interface JitterFactors {
  brightness: number;
  contrast: number;
  saturation: number;
  /** Hue rotation in turns. */
  hue: number;
}

/**
 * Brightness, then contrast, then saturation, then hue, per image, fused into one affine colour
 * map: brightness, saturation and hue are linear, and contrast blends with the image's mean
 * luma, a grey that saturation and hue leave (nearly) unchanged. Clipped once at the end,
 * where torchvision clips after each step; the two differ only for pixels pushed past 0 or 255
 * by an early step.
 */
export function jitterColors(images: tf.Tensor4D, factors: readonly JitterFactors[]): tf.Tensor4D {
  const needsMean = factors.some((factor) => factor.contrast !== 1);
  const matrices = factors.map((factor) =>
    scaleMatrix(
      multiply(saturationMatrix(factor.saturation), hueMatrix(-factor.hue * 2 * Math.PI)),
      factor.brightness * factor.contrast,
    ),
  );
  if (!needsMean) return mapColors(images, matrices);
  const rows = factors.map((factor) => {
    const grey = multiply(
      [[1, 1, 1]],
      multiply(saturationMatrix(factor.saturation), hueMatrix(-factor.hue * 2 * Math.PI)),
    )[0] as number[];
    return grey.map((value) => value * (1 - factor.contrast) * factor.brightness);
  });
  return mapColors(images, matrices, { scale: meanLuma(images), rows });
}

/** Multiplies each image by its factor. */
export function adjustBrightness(images: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  return jitterColors(
    images,
    factors.map((brightness) => ({ brightness, contrast: 1, saturation: 1, hue: 0 })),
  );
}

/** Blends each image with the mean of its luma (factor 0 = flat grey, 1 = unchanged). */
export function adjustContrast(images: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  return jitterColors(
    images,
    factors.map((contrast) => ({ brightness: 1, contrast, saturation: 1, hue: 0 })),
  );
}

/** Blends each image with its luma (factor 0 = grayscale, 1 = unchanged). */
export function adjustSaturation(images: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  return jitterColors(
    images,
    factors.map((saturation) => ({ brightness: 1, contrast: 1, saturation, hue: 0 })),
  );
}

/**
 * Rotates each image's hue by `shifts[n]` turns (in [-0.5, 0.5]), as a rotation of the chroma
 * plane in YIQ space: luma is kept, and results match HSV hue shifts closely for moderate
 * shifts, without a per-pixel RGB→HSV→RGB round trip.
 */
export function adjustHue(images: tf.Tensor4D, shifts: readonly number[]): tf.Tensor4D {
  return jitterColors(
    images,
    shifts.map((hue) => ({ brightness: 1, contrast: 1, saturation: 1, hue })),
  );
}

/** Replaces each selected image (1) by its luma on all three channels; 0 keeps it. */
export function grayscaleWhere(images: tf.Tensor4D, selected: readonly number[]): tf.Tensor4D {
  return mapColors(
    images,
    selected.map((choice) => (choice ? lumaMatrix : identity)),
  );
}

function saturationMatrix(saturation: number): Matrix {
  return identity.map((row, i) =>
    row.map((value, j) => saturation * value + (1 - saturation) * (lumaMatrix[i]?.[j] ?? 0)),
  );
}

/**
 * Row-vector matrix (pixel · M) rotating the YIQ chroma plane by `angle` radians. A negative
 * angle moves hue the HSV way (red → yellow → green), so callers pass `-turns · 2π`.
 */
function hueMatrix(angle: number): Matrix {
  if (angle === 0) return identity;
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

function scaleMatrix(matrix: Matrix, factor: number): Matrix {
  return matrix.map((row) => row.map((value) => value * factor));
}

function multiply(a: Matrix, b: Matrix): Matrix {
  return a.map((row) =>
    [0, 1, 2].map((col) => row.reduce((sum, value, k) => sum + value * (b[k]?.[col] ?? 0), 0)),
  );
}

/** `factor * a + (1 - factor) * b` per image, clipped to [0, 255] (PIL's `ImageEnhance` blend). */
export function blend(a: tf.Tensor4D, b: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  return tf.clipByValue(tf.add(b, scalePerSample(tf.sub(a, b), factors)), 0, 255) as tf.Tensor4D;
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
