import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { ResizePolicy } from '../types/preprocessing.js';

/** Where a source image is scaled to and which window of it is kept. */
export interface ResizeGeometry {
  /** Width the whole image is scaled to. */
  resizeWidth: number;
  /** Height the whole image is scaled to. */
  resizeHeight: number;
  /** Left edge of the kept window in the scaled image. */
  left: number;
  /** Top edge of the kept window in the scaled image. */
  top: number;
}

/** The default `cropFraction` of `center-crop` (timm's `crop_pct`). */
export const defaultCropFraction = 0.875;

/**
 * Computes how an image of `width x height` reaches `imageSize` (`[height, width]`).
 * `stretch` scales the whole image to the target. `center-crop` scales so the image covers a box
 * of `floor(side / cropFraction)` per side, then keeps the centred window of the target size.
 * With `rounding: 'torchvision'` (default) this is torchvision's `Resize(box)` + `CenterCrop`
 * exactly: the side that limits the scale becomes the box side, the other is
 * `floor(box * other / limiting)`, offsets are `round((resized - target) / 2)` half to even. With
 * `rounding: 'teachable-machine'` it is `@teachablemachine/image`'s `cropTo`: both sides are
 * `ceil(side * box / limiting)` and offsets `trunc((resized - target) / 2)`. For a non-square
 * target this is a cover-then-crop (timm would stretch to the box instead).
 */
export function resizeGeometry(
  width: number,
  height: number,
  imageSize: readonly [number, number],
  policy: ResizePolicy,
): ResizeGeometry {
  const [targetHeight, targetWidth] = imageSize;
  if (policy.mode === 'stretch') {
    return { resizeWidth: targetWidth, resizeHeight: targetHeight, left: 0, top: 0 };
  }
  const cropFraction = policy.cropFraction ?? defaultCropFraction;
  const boxWidth = Math.max(targetWidth, Math.floor(targetWidth / cropFraction));
  const boxHeight = Math.max(targetHeight, Math.floor(targetHeight / cropFraction));
  const heightLimits = boxHeight / height >= boxWidth / width;
  if (policy.rounding === 'teachable-machine') {
    // cropTo: scale = size / min(width, height); scaled = ceil(side * scale); offset ~~(d / 2).
    const scale = heightLimits ? boxHeight / height : boxWidth / width;
    const resizeWidth = Math.max(boxWidth, Math.ceil(width * scale));
    const resizeHeight = Math.max(boxHeight, Math.ceil(height * scale));
    return {
      resizeWidth,
      resizeHeight,
      left: Math.trunc((resizeWidth - targetWidth) / 2),
      top: Math.trunc((resizeHeight - targetHeight) / 2),
    };
  }
  let resizeWidth: number;
  let resizeHeight: number;
  if (heightLimits) {
    resizeHeight = boxHeight;
    resizeWidth = Math.max(boxWidth, Math.floor((boxHeight * width) / height));
  } else {
    resizeWidth = boxWidth;
    resizeHeight = Math.max(boxHeight, Math.floor((boxWidth * height) / width));
  }
  return {
    resizeWidth,
    resizeHeight,
    left: roundHalfToEven((resizeWidth - targetWidth) / 2),
    top: roundHalfToEven((resizeHeight - targetHeight) / 2),
  };
}

/** Python's `round`: halves go to the even neighbour. */
function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Checks an image size and resize policy given by a user; throws an `InvalidArgumentError`. */
export function checkResizeOptions(
  imageSize: readonly [number, number],
  policy: ResizePolicy,
): void {
  if (
    !Array.isArray(imageSize) ||
    imageSize.length !== 2 ||
    !imageSize.every((side) => Number.isInteger(side) && side >= 1)
  ) {
    throw new InvalidArgumentError({
      argument: 'imageSize',
      value: imageSize,
      expected: 'must be [height, width] with positive integers',
    });
  }
  if (policy === null || typeof policy !== 'object') {
    throw new InvalidArgumentError({
      argument: 'resize',
      value: policy,
      expected: 'must be an object { mode, interpolation, cropFraction?, antialias?, rounding? }',
    });
  }
  if (policy.mode !== 'stretch' && policy.mode !== 'center-crop') {
    throw new InvalidArgumentError({
      argument: 'resize.mode',
      value: policy.mode,
      expected: 'must be one of: stretch, center-crop',
    });
  }
  if (!['bilinear', 'nearest', 'bicubic'].includes(policy.interpolation)) {
    throw new InvalidArgumentError({
      argument: 'resize.interpolation',
      value: policy.interpolation,
      expected: 'must be one of: bilinear, nearest, bicubic',
    });
  }
  const cropFraction = policy.cropFraction ?? defaultCropFraction;
  if (!(cropFraction > 0 && cropFraction <= 1)) {
    throw new InvalidArgumentError({
      argument: 'resize.cropFraction',
      value: policy.cropFraction,
      expected: 'must be in (0, 1]',
    });
  }
  if (policy.antialias !== undefined && typeof policy.antialias !== 'boolean') {
    throw new InvalidArgumentError({
      argument: 'resize.antialias',
      value: policy.antialias,
      expected: 'must be true or false',
    });
  }
  if (
    policy.rounding !== undefined &&
    policy.rounding !== 'torchvision' &&
    policy.rounding !== 'teachable-machine'
  ) {
    throw new InvalidArgumentError({
      argument: 'resize.rounding',
      value: policy.rounding,
      expected: 'must be one of: torchvision, teachable-machine',
    });
  }
}
