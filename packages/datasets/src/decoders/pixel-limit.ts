import { FileFormatError, InvalidArgumentError } from '@graft/core/errors';

/**
 * The largest image, in pixels, that any Graft decoder (BMP, netpbm, and sharp for JPEG, PNG,
 * WebP, TIFF) accepts by default: 2^28 (16384 x 16384), about sharp's own default. A header
 * claiming more is refused before any pixel buffer is allocated, so a tiny file cannot make
 * the decoder allocate gigabytes (or throw an internal "Invalid typed array length").
 */
export const defaultMaximumPixels = 2 ** 28;

/** Options shared by every image decoder. */
export interface DecodeLimits {
  /** Largest `width * height` accepted. Default {@link defaultMaximumPixels}. */
  maximumPixels?: number;
}

/** The checked pixel cap of `limits` (the default when absent). */
export function maximumPixelsOf(limits: DecodeLimits | undefined): number {
  const value = limits?.maximumPixels ?? defaultMaximumPixels;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError({
      argument: 'maximumPixels',
      value,
      expected: `must be a positive integer (default ${defaultMaximumPixels})`,
    });
  }
  return value;
}

/** Options of {@link checkPixelLimit}. */
export interface CheckPixelLimitOptions extends DecodeLimits {
  /** The file, for the error message. */
  file: string;
  /** Declared width in pixels. */
  width: number;
  /** Declared height in pixels. */
  height: number;
}

/**
 * Throws a {@link FileFormatError} naming the file, the declared size and the cap when the
 * declared `width * height` exceeds the cap. Call it on header values, before allocating.
 */
export function checkPixelLimit(options: CheckPixelLimitOptions): void {
  const maximum = maximumPixelsOf(options);
  const pixels = options.width * options.height;
  if (pixels > maximum) {
    throw new FileFormatError({
      file: options.file,
      problem: `declared size ${options.width}x${options.height} (${pixels} pixels) exceeds the limit of ${maximum} pixels (maximumPixels); the file is refused before decoding`,
    });
  }
}
