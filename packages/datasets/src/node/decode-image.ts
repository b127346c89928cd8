import { FileFormatError, type ResizePolicy } from '@graft/core';
import sharp, { type Sharp } from 'sharp';
import { decodeBmp, isBmp } from '../decoders/decode-bmp.js';
import { decodeNetpbm, isNetpbm } from '../decoders/decode-netpbm.js';
import type { DecodedImage } from '../decoders/decoded-image.js';
import { resizeGeometry } from '../pipeline/resize-geometry.js';

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
    if (target.resize.mode === 'stretch') {
      return await finish(sharp(bytes, { failOn: 'warning' }).rotate(), undefined, target);
    }
    // Center-crop needs the displayed size to place the window exactly as torchvision does.
    const metadata = await sharp(bytes, { failOn: 'warning' }).metadata();
    const width = metadata.autoOrient?.width ?? metadata.width;
    const height = metadata.autoOrient?.height ?? metadata.height;
    if (!width || !height) throw new Error('no image size in the header');
    return await finish(sharp(bytes, { failOn: 'warning' }).rotate(), { width, height }, target);
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
    return await finish(pipeline, image, target);
  } catch (error) {
    throw new FileFormatError({
      file,
      problem: `cannot resize decoded image (${error instanceof Error ? error.message : String(error)})`,
      cause: error,
    });
  }
}

/**
 * Resizes (and center-crops, see `resizeGeometry`) in one libvips pipeline. `size` is the
 * displayed size of the input, needed for `center-crop` only.
 */
async function finish(
  pipeline: Sharp,
  size: { width: number; height: number } | undefined,
  target: ResizeTarget,
): Promise<Uint8Array> {
  const [targetHeight, targetWidth] = target.imageSize;
  const kernel = kernels[target.resize.interpolation];
  let resized: Sharp;
  if (target.resize.mode === 'stretch' || size === undefined) {
    resized = pipeline.resize(targetWidth, targetHeight, { fit: 'fill', kernel });
  } else {
    const geometry = resizeGeometry(size.width, size.height, target.imageSize, target.resize);
    resized = pipeline.resize(geometry.resizeWidth, geometry.resizeHeight, { fit: 'fill', kernel });
    if (geometry.resizeWidth !== targetWidth || geometry.resizeHeight !== targetHeight) {
      resized = resized.extract({
        left: geometry.left,
        top: geometry.top,
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
