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
 * `stretch` scales the whole image to the target. `center-crop` scales so that the target
 * window covers `cropFraction` of the limiting side (for a square target: the shorter side
 * becomes `size / cropFraction`, as torchvision's `Resize(size / crop)` + `CenterCrop(size)`),
 * then keeps the centered window (offsets rounded like torchvision's `CenterCrop`).
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
  const scale = Math.max(
    targetHeight / (cropFraction * height),
    targetWidth / (cropFraction * width),
  );
  const resizeWidth = Math.max(targetWidth, Math.round(width * scale));
  const resizeHeight = Math.max(targetHeight, Math.round(height * scale));
  return {
    resizeWidth,
    resizeHeight,
    left: Math.round((resizeWidth - targetWidth) / 2),
    top: Math.round((resizeHeight - targetHeight) / 2),
  };
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
