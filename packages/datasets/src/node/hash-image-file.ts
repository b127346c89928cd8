import sharp, { type Sharp } from 'sharp';
import { perceptualHash, perceptualHashSize } from '../cleaning/perceptual-hash.js';
import { decodeBmp, isBmp } from '../decoders/decode-bmp.js';
import { decodeNetpbm, isNetpbm } from '../decoders/decode-netpbm.js';
import { type DecodeLimits, maximumPixelsOf } from '../decoders/pixel-limit.js';
import { contentKey } from './content-key.js';
import { readImageBytes } from './read-image-bytes.js';
import { sharpDecodeError } from './sharp-decode-error.js';

/** The hashes of one image file. */
export interface ImageFileHashes {
  /** sha1 of the bytes (the same key `FileImageDataset` batches carry). */
  key: string;
  /** 64-bit DCT perceptual hash, 16 hex digits (see `perceptualHash`); absent with `perceptual: false`. */
  perceptualHash?: string;
}

/** Options of {@link hashImageFile}. */
export interface HashImageFileOptions extends DecodeLimits {
  /** The image file. */
  path: string;
  /** Also decode it for the perceptual hash. Default true. */
  perceptual?: boolean;
}

/**
 * Reads an image file and gives its content key and perceptual hash. The image is decoded by
 * sharp straight to a 32×32 grayscale thumbnail (EXIF orientation applied; JPEGs use libjpeg's
 * shrink-on-load, so large photos stay cheap), then hashed by the browser-safe `perceptualHash`.
 * netpbm and BMP use this package's decoders. A file that cannot be read or decoded is a
 * {@link FileFormatError} naming it, as is one whose declared size exceeds `maximumPixels`.
 */
export async function hashImageFile(options: HashImageFileOptions): Promise<ImageFileHashes> {
  const { path } = options;
  const bytes = await readImageBytes(path);
  const key = contentKey(bytes);
  if (options.perceptual === false) return { key };
  const limitInputPixels = maximumPixelsOf(options);
  try {
    let pipeline: Sharp;
    if (isNetpbm(bytes) || isBmp(bytes)) {
      const image = isNetpbm(bytes)
        ? decodeNetpbm(bytes, path, options)
        : decodeBmp(bytes, path, options);
      pipeline = sharp(image.data, {
        raw: { width: image.width, height: image.height, channels: 3 },
      });
    } else {
      pipeline = sharp(bytes, { failOn: 'warning', limitInputPixels }).rotate();
    }
    const { data, info } = await pipeline
      .resize(perceptualHashSize, perceptualHashSize, { fit: 'fill', fastShrinkOnLoad: false })
      .greyscale()
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 1) throw new Error(`thumbnail has ${info.channels} channels, expected 1`);
    return {
      key,
      perceptualHash: perceptualHash({
        width: info.width,
        height: info.height,
        channels: 1,
        data,
      }),
    };
  } catch (error) {
    throw await sharpDecodeError({ bytes, file: path, error, maximumPixels: limitInputPixels });
  }
}
