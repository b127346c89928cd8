import { FileFormatError } from '@graft/core/errors';
import { checkPixelLimit } from '../decoders/pixel-limit.js';
import { loadSharp } from './load-sharp.js';

/** Options of {@link sharpDecodeError}. */
export interface SharpDecodeErrorOptions {
  /** The encoded bytes sharp was given. */
  bytes: Uint8Array;
  /** The file, for the message. */
  file: string;
  /** What sharp threw. */
  error: unknown;
  /** The cap sharp was given as `limitInputPixels`. */
  maximumPixels: number;
}

/**
 * The {@link FileFormatError} for an error sharp threw while decoding `file`. sharp's own
 * "exceeds pixel limit" names neither the size nor the cap, so for it the header is read again
 * (metadata only, nothing decoded) to give the same message as the BMP and netpbm decoders.
 */
export async function sharpDecodeError(options: SharpDecodeErrorOptions): Promise<FileFormatError> {
  const { error, file } = options;
  if (FileFormatError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message.trim() : String(error);
  if (/pixel limit/i.test(message)) {
    const sharp = await loadSharp();
    const header = await sharp(options.bytes, { limitInputPixels: false })
      .metadata()
      .catch(() => undefined);
    if (header?.width && header.height) {
      try {
        checkPixelLimit({
          file,
          width: header.width,
          height: header.height,
          maximumPixels: options.maximumPixels,
        });
      } catch (limitError) {
        if (FileFormatError.isInstance(limitError)) return limitError;
      }
    }
  }
  return new FileFormatError({ file, problem: `cannot decode image (${message})`, cause: error });
}
