import { FileFormatError } from '@graft/core';
import sharp from 'sharp';
import { decodeBmp, isBmp } from '../decoders/decode-bmp.js';
import { decodeNetpbm, isNetpbm } from '../decoders/decode-netpbm.js';
import { readImageBytes } from './read-image-bytes.js';

/** Options of {@link readImageSize}. */
export interface ReadImageSizeOptions {
  /** The image file. */
  path: string;
  /** `header` reads only what gives the size; `full` decodes every pixel (finds truncation). */
  check: 'header' | 'full';
}

/**
 * The displayed size of an image file (after EXIF orientation), checking that it decodes.
 * A corrupt file is a {@link FileFormatError} naming it.
 */
export async function readImageSize(
  options: ReadImageSizeOptions,
): Promise<{ width: number; height: number }> {
  const { path } = options;
  const bytes = await readImageBytes(path);
  if (isNetpbm(bytes)) return decodeNetpbm(bytes, path);
  if (isBmp(bytes)) return decodeBmp(bytes, path);
  try {
    const metadata = await sharp(bytes, { failOn: 'warning' }).metadata();
    if (options.check === 'full') {
      await sharp(bytes, { failOn: 'warning' }).raw().toBuffer();
    }
    const width = metadata.autoOrient?.width ?? metadata.width;
    const height = metadata.autoOrient?.height ?? metadata.height;
    if (!width || !height) throw new Error('no image size in the header');
    return { width, height };
  } catch (error) {
    throw new FileFormatError({
      file: path,
      problem: `cannot decode image (${error instanceof Error ? error.message.trim() : String(error)})`,
      cause: error,
    });
  }
}
