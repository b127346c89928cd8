import { FileFormatError, GraftError } from '@graft/core';
import { decodeBmp, isBmp } from '../decoders/decode-bmp.js';
import { decodeNetpbm, isNetpbm } from '../decoders/decode-netpbm.js';
import type { DecodedImage } from '../decoders/decoded-image.js';

/** Decodes encoded image bytes to RGB; `file` names it in errors. */
export type ImageDecoder = (bytes: Uint8Array, file: string) => Promise<DecodedImage>;

/**
 * Decodes with this package's netpbm/BMP decoders, else with the browser's own codecs
 * (`createImageBitmap` with EXIF orientation, drawn on an `OffscreenCanvas`; alpha dropped).
 * Where neither exists (Node without sharp), pass a decoder of your own.
 */
export const decodeInBrowser: ImageDecoder = async (bytes, file) => {
  if (isNetpbm(bytes)) return decodeNetpbm(bytes, file);
  if (isBmp(bytes)) return decodeBmp(bytes, file);
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') {
    throw new GraftError({
      code: 'BACKEND_UNAVAILABLE',
      message: `${file}: no image decoder here (createImageBitmap/OffscreenCanvas missing); in Node use @graft/datasets/node, or pass \`decode\``,
    });
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), {
      imageOrientation: 'from-image',
      // Raw file pixels, as sharp and Pillow give them in Node: no premultiplication.
      premultiplyAlpha: 'none',
    });
  } catch (error) {
    throw new FileFormatError({
      file,
      problem: `cannot decode image (${String(error)})`,
      cause: error,
    });
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  if (context === null)
    throw new GraftError({ code: 'BACKEND_UNAVAILABLE', message: 'no 2d canvas context' });
  context.drawImage(bitmap, 0, 0);
  const rgba = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const data = new Uint8Array(bitmap.width * bitmap.height * 3);
  for (let pixel = 0; pixel < bitmap.width * bitmap.height; pixel++) {
    data[pixel * 3] = rgba[pixel * 4] as number;
    data[pixel * 3 + 1] = rgba[pixel * 4 + 1] as number;
    data[pixel * 3 + 2] = rgba[pixel * 4 + 2] as number;
  }
  const result = { width: bitmap.width, height: bitmap.height, data };
  bitmap.close();
  return result;
};
