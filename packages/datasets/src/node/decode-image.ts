import { FileFormatError, type ResizePolicy } from '@graft/core';
import sharp, { type Sharp } from 'sharp';
import { decodeBmp, isBmp } from '../decoders/decode-bmp.js';
import { decodeNetpbm, isNetpbm } from '../decoders/decode-netpbm.js';
import type { DecodedImage } from '../decoders/decoded-image.js';
import { defaultCropFraction } from '../pipeline/resize-geometry.js';

/** Where decoded images go. */
export interface ResizeTarget {
  /** `[height, width]` of the output. */
  imageSize: readonly [number, number];
  /** How an image of another size reaches `imageSize`. */
  resize: ResizePolicy;
}

const kernels = { bilinear: 'linear', nearest: 'nearest', bicubic: 'cubic' } as const;

/**
 * Decodes an encoded image (JPEG, PNG, WebP, TIFF through sharp; netpbm and BMP through this
 * package's decoders; the format is found from the bytes, not the file name), applies EXIF
 * orientation, converts gray/alpha/CMYK to RGB and resizes it to `target`. Returns
 * `height * width * 3` bytes. A corrupt or truncated file is a {@link FileFormatError} naming
 * `file` (sharp's `failOn: 'warning'` turns a truncated JPEG into an error, not grey pixels).
 */
export async function decodeImage(
  bytes: Uint8Array,
  file: string,
  target: ResizeTarget,
): Promise<Uint8Array> {
  if (isNetpbm(bytes)) return resizeDecoded(decodeNetpbm(bytes, file), file, target);
  if (isBmp(bytes)) return resizeDecoded(decodeBmp(bytes, file), file, target);
  try {
    return await finish(sharp(bytes, { failOn: 'warning' }).rotate(), target);
  } catch (error) {
    if (FileFormatError.isInstance(error)) throw error;
    throw new FileFormatError({
      file,
      problem: `cannot decode image (${error instanceof Error ? error.message.trim() : String(error)})`,
      cause: error,
    });
  }
}

/** Resizes already decoded RGB pixels to `target` (no-op when the size already matches). */
export async function resizeDecoded(
  image: DecodedImage,
  file: string,
  target: ResizeTarget,
): Promise<Uint8Array> {
  const [targetHeight, targetWidth] = target.imageSize;
  if (image.width === targetWidth && image.height === targetHeight) return image.data;
  try {
    const pipeline = sharp(image.data, {
      raw: { width: image.width, height: image.height, channels: 3 },
    });
    return await finish(pipeline, target);
  } catch (error) {
    throw new FileFormatError({
      file,
      problem: `cannot resize decoded image (${error instanceof Error ? error.message : String(error)})`,
      cause: error,
    });
  }
}

/**
 * `stretch`: resize to the target. `center-crop`: resize to cover the box `target / cropFraction`
 * (so the shorter side becomes `size / cropFraction` for a square target), keep the box's
 * centre, then the target's centre. One libvips pipeline, no separate header read: measured
 * ~1.6x faster than reading the size first and computing the crop in JS.
 */
async function finish(pipeline: Sharp, target: ResizeTarget): Promise<Uint8Array> {
  const [targetHeight, targetWidth] = target.imageSize;
  const kernel = kernels[target.resize.interpolation];
  let resized: Sharp;
  if (target.resize.mode === 'stretch') {
    resized = pipeline.resize(targetWidth, targetHeight, { fit: 'fill', kernel });
  } else {
    const cropFraction = target.resize.cropFraction ?? defaultCropFraction;
    const boxWidth = Math.max(targetWidth, Math.round(targetWidth / cropFraction));
    const boxHeight = Math.max(targetHeight, Math.round(targetHeight / cropFraction));
    resized = pipeline.resize(boxWidth, boxHeight, { fit: 'cover', position: 'centre', kernel });
    if (boxWidth !== targetWidth || boxHeight !== targetHeight) {
      resized = resized.extract({
        left: Math.round((boxWidth - targetWidth) / 2),
        top: Math.round((boxHeight - targetHeight) / 2),
        width: targetWidth,
        height: targetHeight,
      });
    }
  }
  // PIL's convert('RGB') drops alpha without compositing; sharp's removeAlpha does the same.
  const { data, info } = await resized
    .removeAlpha()
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== targetWidth || info.height !== targetHeight) {
    throw new Error(
      `decoder produced ${info.width}x${info.height}x${info.channels}, expected ${targetWidth}x${targetHeight}x3`,
    );
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
