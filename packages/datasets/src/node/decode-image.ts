import { FileFormatError } from '@graft/core/errors';
import { type ResizePolicy, resizeImage } from '@graft/core/images';
import { decodeBmp, isBmp } from '../decoders/decode-bmp.js';
import { decodeNetpbm, isNetpbm } from '../decoders/decode-netpbm.js';
import type { DecodedImage } from '../decoders/decoded-image.js';
import { type DecodeLimits, maximumPixelsOf } from '../decoders/pixel-limit.js';
import { loadSharp } from './load-sharp.js';
import { sharpDecodeError } from './sharp-decode-error.js';
import { sharpDecodeOptions } from './sharp-decode-options.js';
import { decodeTurboJpeg } from './turbo-jpeg.js';

/** Where decoded images go. */
export interface ResizeTarget extends DecodeLimits {
  /** `[height, width]` of the output. */
  imageSize: readonly [number, number];
  /** How an image of another size reaches `imageSize`. */
  resize: ResizePolicy;
}

/**
 * Decodes an encoded image (JPEG, PNG, WebP, TIFF through sharp; netpbm and BMP through this
 * package's decoders; the format is found from the bytes, not the file name), applies EXIF
 * orientation, converts gray/alpha/CMYK to RGB, then brings it to `target` with `resizeImage`
 * from `@graft/core`, the one resize every Graft entry point uses (Pillow's, bit for bit).
 * Returns `height * width * 3` bytes. A corrupt or truncated file is a {@link FileFormatError}
 * naming `file` (sharp's `failOn: 'warning'` turns a truncated JPEG into an error, not grey pixels),
 * and so is a file whose declared size exceeds `target.maximumPixels` (refused before decoding).
 */
export async function decodeImage(
  bytes: Uint8Array,
  file: string,
  target: ResizeTarget,
): Promise<Uint8Array> {
  return resizeDecoded(await decodePixels(bytes, file, target), file, target);
}

/**
 * Decodes an encoded image to RGB at its own (EXIF-oriented) size, without resizing. See
 * {@link decodeImage} for the formats and errors. Every decoder refuses a declared size above
 * `limits.maximumPixels` (default `defaultMaximumPixels`) before allocating its pixels.
 */
export async function decodePixels(
  bytes: Uint8Array,
  file: string,
  limits?: DecodeLimits,
): Promise<DecodedImage> {
  if (isNetpbm(bytes)) return decodeNetpbm(bytes, file, limits);
  if (isBmp(bytes)) return decodeBmp(bytes, file, limits);
  const limitInputPixels = maximumPixelsOf(limits);
  // Plain JPEGs through libjpeg-turbo when the system has it (same bytes, ~3x cheaper);
  // everything else, and every refusal, through sharp.
  const turbo = await decodeTurboJpeg({ bytes, maximumPixels: limitInputPixels });
  if (turbo !== undefined) return turbo;
  try {
    // PIL's convert('RGB') drops alpha without compositing; sharp's removeAlpha does the same.
    // Embedded ICC profiles are ignored, as PIL ignores them (sharp-decode-options.ts).
    const sharp = await loadSharp();
    const { data, info } = await sharp(bytes, sharpDecodeOptions(limitInputPixels))
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3)
      throw new Error(`decoder produced ${info.channels} channels, expected 3`);
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (error) {
    throw await sharpDecodeError({ bytes, file, error, maximumPixels: limitInputPixels });
  }
}

/** Resizes already decoded RGB pixels to `target` with `resizeImage` (the input when already at size). */
export async function resizeDecoded(
  image: DecodedImage,
  file: string,
  target: ResizeTarget,
): Promise<Uint8Array> {
  try {
    return resizeImage(image, { imageSize: target.imageSize, resize: target.resize });
  } catch (error) {
    throw new FileFormatError({
      file,
      problem: `cannot resize decoded image (${error instanceof Error ? error.message : String(error)})`,
      cause: error,
    });
  }
}
