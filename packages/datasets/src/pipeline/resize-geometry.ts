import { InvalidArgumentError, type ResizePolicy } from '@graft/core';

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
 * `stretch` scales the whole image to the target. `center-crop` follows torchvision's
 * `Resize(floor(size / cropFraction))` + `CenterCrop(size)` exactly: the box is
 * `floor(side / cropFraction)` per side; the side that limits the scale becomes the box side,
 * the other `floor(box * other / limiting)` (torchvision truncates); the window offsets are
 * `round((resized - target) / 2)` with Python's round-half-to-even. For a non-square target this
 * is a cover-then-crop (timm would stretch to the box instead).
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
  let resizeWidth: number;
  let resizeHeight: number;
  if (boxHeight / height >= boxWidth / width) {
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
}
