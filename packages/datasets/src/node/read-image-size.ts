import sharp from 'sharp';
import { decodeBmp, isBmp } from '../decoders/decode-bmp.js';
import { decodeNetpbm, isNetpbm } from '../decoders/decode-netpbm.js';
import { checkPixelLimit, type DecodeLimits, maximumPixelsOf } from '../decoders/pixel-limit.js';
import { readImageBytes } from './read-image-bytes.js';
import { sharpDecodeError } from './sharp-decode-error.js';

/** Options of {@link readImageSize}. */
export interface ReadImageSizeOptions extends DecodeLimits {
  /** The image file. */
  path: string;
  /** `header` reads only what gives the size; `full` decodes every pixel (finds truncation). */
  check: 'header' | 'full';
}

/**
 * The displayed size of an image file (after EXIF orientation), checking that it decodes.
 * A corrupt file, or one whose declared size exceeds `maximumPixels`, is a
 * {@link FileFormatError} naming it (the same files the decoders refuse).
 */
export async function readImageSize(
  options: ReadImageSizeOptions,
): Promise<{ width: number; height: number }> {
  const { path } = options;
  const bytes = await readImageBytes(path);
  if (isNetpbm(bytes)) return decodeNetpbm(bytes, path, options);
  if (isBmp(bytes)) return decodeBmp(bytes, path, options);
  const limitInputPixels = maximumPixelsOf(options);
  let size: { width: number; height: number };
  try {
    const metadata = await sharp(bytes, { failOn: 'warning', limitInputPixels }).metadata();
    const width = metadata.autoOrient?.width ?? metadata.width;
    const height = metadata.autoOrient?.height ?? metadata.height;
    if (!width || !height) throw new Error('no image size in the header');
    size = { width, height };
  } catch (error) {
    throw await sharpDecodeError({ bytes, file: path, error, maximumPixels: limitInputPixels });
  }
  // The header alone already tells a decoder would refuse the file.
  checkPixelLimit({ ...size, file: path, maximumPixels: limitInputPixels });
  if (options.check === 'full') {
    try {
      await sharp(bytes, { failOn: 'warning', limitInputPixels }).raw().toBuffer();
    } catch (error) {
      throw await sharpDecodeError({ bytes, file: path, error, maximumPixels: limitInputPixels });
    }
  }
  return size;
}
