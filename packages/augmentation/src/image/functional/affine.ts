import * as tf from '@tensorflow/tfjs-core';

/** How pixels outside the input are filled by geometric ops (as in Keras preprocessing layers). */
export type FillMode = 'constant' | 'reflect' | 'wrap' | 'nearest';
export const fillModes: readonly FillMode[] = ['constant', 'reflect', 'wrap', 'nearest'];

/** Pixel sampling of geometric ops. */
export type Interpolation = 'bilinear' | 'nearest';
export const interpolations: readonly Interpolation[] = ['bilinear', 'nearest'];

/** Parameters of one sample's affine map, about the image centre. */
export interface AffineParameters {
  /** Counter-clockwise rotation in degrees. */
  degrees?: number;
  /** Zoom factor: > 1 enlarges the content. */
  zoom?: number;
  /** Shift of the content in pixels, right / down positive. */
  translateX?: number;
  translateY?: number;
  /** Horizontal / vertical shear factors. */
  shearX?: number;
  shearY?: number;
}

/**
 * The `tf.image.transform` row (output pixel → input pixel) for `parameters` on an image of
 * `height` x `width`.
 */
export function affineMatrix(
  parameters: AffineParameters,
  height: number,
  width: number,
): number[] {
  const angle = ((parameters.degrees ?? 0) * Math.PI) / 180;
  const zoom = parameters.zoom ?? 1;
  const cos = Math.cos(angle) / zoom;
  const sin = Math.sin(angle) / zoom;
  const shearX = parameters.shearX ?? 0;
  const shearY = parameters.shearY ?? 0;
  // Inverse map: rotate the output grid back (image y points down, so a counter-clockwise turn
  // of the content is a clockwise turn of the sampling grid), then shear, about the centre.
  let a00 = cos;
  let a01 = -sin;
  let a10 = sin;
  let a11 = cos;
  if (shearX !== 0 || shearY !== 0) {
    [a00, a01, a10, a11] = [
      a00 + shearX * a10,
      a01 + shearX * a11,
      shearY * a00 + a10,
      shearY * a01 + a11,
    ];
  }
  const centerX = (width - 1) / 2;
  const centerY = (height - 1) / 2;
  const shiftX = parameters.translateX ?? 0;
  const shiftY = parameters.translateY ?? 0;
  return [
    a00,
    a01,
    centerX - a00 * (centerX + shiftX) - a01 * (centerY + shiftY),
    a10,
    a11,
    centerY - a10 * (centerX + shiftX) - a11 * (centerY + shiftY),
    0,
    0,
  ];
}

/**
 * Warps each image by its own affine row (`tf.image.transform` semantics). Runs in the caller's
 * tidy.
 *
 * Two tfjs 4.22 kernel bugs are worked around so every backend gives the same pixels: the cpu
 * `Transform` kernel returns after the first image of a batch (so cpu warps one image at a time),
 * and the wasm kernel's `reflect` mode is wrong for negative coordinates (so `reflect` is done by
 * mirror-padding half an image on each side, then sampling with `nearest` beyond that margin).
 */
export function warpAffine(
  images: tf.Tensor4D,
  matrices: readonly number[][],
  options: {
    fillMode: FillMode;
    fillValue: number;
    interpolation: Interpolation;
    /** Output `[height, width]`; default the input's. */
    outputSize?: [number, number];
  },
): tf.Tensor4D {
  const [, height, width] = images.shape;
  const outputSize = options.outputSize ?? [height, width];
  let source = images;
  let rows = matrices;
  let fillMode = options.fillMode;
  if (fillMode === 'reflect') {
    const padY = Math.ceil(height / 2);
    const padX = Math.ceil(width / 2);
    source = tf.mirrorPad(
      images,
      [
        [0, 0],
        [padY, padY],
        [padX, padX],
        [0, 0],
      ],
      'symmetric',
    );
    rows = matrices.map((row) => {
      const shifted = [...row];
      shifted[2] = (row[2] ?? 0) + padX;
      shifted[5] = (row[5] ?? 0) + padY;
      return shifted;
    });
    fillMode = 'nearest';
  }
  const warp = (batch: tf.Tensor4D, transforms: number[][]) =>
    tf.image.transform(
      batch,
      tf.tensor2d(transforms, [transforms.length, 8]),
      options.interpolation,
      fillMode,
      options.fillValue,
      outputSize,
    );
  if (tf.getBackend() === 'cpu' && images.shape[0] > 1) {
    const singles = tf.split(source, images.shape[0], 0) as tf.Tensor4D[];
    return tf.concat(
      singles.map((single, index) => warp(single, [rows[index] as number[]])),
      0,
    );
  }
  return warp(source, rows as number[][]);
}
