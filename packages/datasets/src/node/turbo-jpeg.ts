import { createRequire } from 'node:module';
import { InvalidArgumentError } from '@graft/core/errors';
import type { DecodedImage } from '../decoders/decoded-image.js';
import { readJpegOrientation } from './read-jpeg-orientation.js';

/** Which JPEG decoder {@link jpegDecoder} picked, and why. */
export interface JpegDecoderInfo {
  /** `libjpeg-turbo` (the system's TurboJPEG library through koffi) or `sharp` (libvips). */
  name: 'libjpeg-turbo' | 'sharp';
  /** Why: the library loaded, or why it did not. */
  reason: string;
}

/** Values of `GRAFT_JPEG_DECODER`. */
export const jpegDecoderChoices = ['auto', 'libjpeg-turbo', 'sharp'] as const;

// TurboJPEG's constants (turbojpeg.h): pixel format TJPF_RGB, colour spaces TJCS_*.
const pixelFormatRgb = 0;
const colourSpaceYCbCr = 1;
const colourSpaceGray = 2;
// The libraries tried, in order; GRAFT_TURBOJPEG_LIBRARY names another file.
const libraryNames = [
  'libturbojpeg.so.0',
  'libturbojpeg.so',
  'libturbojpeg.0.dylib',
  '/opt/homebrew/opt/jpeg-turbo/lib/libturbojpeg.dylib',
  '/usr/local/opt/jpeg-turbo/lib/libturbojpeg.dylib',
  'turbojpeg.dll',
];

type Callback<T> = (error: unknown, result: T) => void;
interface AsyncFunction<Arguments extends unknown[], Result> {
  (...parameters: Arguments): Result;
  async: (...parameters: [...Arguments, Callback<Result>]) => void;
}

interface TurboJpeg {
  initDecompress: () => unknown;
  decompressHeader: (
    handle: unknown,
    bytes: Uint8Array,
    size: number,
    width: number[],
    height: number[],
    subsampling: number[],
    colourSpace: number[],
  ) => number;
  decompress: AsyncFunction<
    [unknown, Uint8Array, number, Uint8Array, number, number, number, number, number],
    number
  >;
  /** Handles not in use (a TurboJPEG handle serves one decode at a time). */
  idle: unknown[];
  info: JpegDecoderInfo;
}

let loaded: TurboJpeg | JpegDecoderInfo | undefined;

/**
 * Loads libjpeg-turbo's TurboJPEG library from the system (Debian/Ubuntu `libturbojpeg0`,
 * Homebrew `jpeg-turbo`) through the optional `koffi` FFI, once per thread. Why: sharp's
 * prebuilt libvips decodes JPEGs about 3x slower than libjpeg-turbo with its SIMD (3.4 against
 * 1.1 CPU-ms per ants/bees image), and Pillow — whose pixels Graft matches — decodes with
 * libjpeg-turbo, so both give the same bytes. `GRAFT_JPEG_DECODER=sharp` turns it off;
 * `=libjpeg-turbo` makes a missing library an error.
 */
function load(): TurboJpeg | JpegDecoderInfo {
  if (loaded !== undefined) return loaded;
  const choice = process.env.GRAFT_JPEG_DECODER ?? 'auto';
  if (!(jpegDecoderChoices as readonly string[]).includes(choice)) {
    throw new InvalidArgumentError({
      argument: 'GRAFT_JPEG_DECODER',
      value: choice,
      expected: `one of ${jpegDecoderChoices.join(', ')}`,
    });
  }
  if (choice === 'sharp') {
    loaded = { name: 'sharp', reason: 'GRAFT_JPEG_DECODER=sharp' };
    return loaded;
  }
  let koffi: typeof import('koffi');
  try {
    koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  } catch (error) {
    loaded = {
      name: 'sharp',
      reason: `koffi (optional dependency) not installed: ${messageOf(error)}`,
    };
    return requireWhenAsked(choice, loaded);
  }
  const override = process.env.GRAFT_TURBOJPEG_LIBRARY;
  const failures: string[] = [];
  for (const name of override ? [override] : libraryNames) {
    try {
      const library = koffi.load(name);
      const decompress = library.func(
        'int tjDecompress2(void *handle, const uint8_t *jpegBuf, unsigned long jpegSize, uint8_t *dstBuf, int width, int pitch, int height, int pixelFormat, int flags)',
      );
      loaded = {
        initDecompress: library.func('void *tjInitDecompress()'),
        decompressHeader: library.func(
          'int tjDecompressHeader3(void *handle, const uint8_t *jpegBuf, unsigned long jpegSize, _Out_ int *width, _Out_ int *height, _Out_ int *jpegSubsamp, _Out_ int *jpegColorspace)',
        ),
        decompress: decompress as unknown as TurboJpeg['decompress'],
        idle: [],
        info: { name: 'libjpeg-turbo', reason: `TurboJPEG loaded from ${name} through koffi` },
      };
      return loaded;
    } catch (error) {
      failures.push(`${name}: ${messageOf(error)}`);
    }
  }
  loaded = {
    name: 'sharp',
    reason: `no TurboJPEG library (install libturbojpeg0 or jpeg-turbo; tried ${failures.join('; ')})`,
  };
  return requireWhenAsked(choice, loaded);
}

function requireWhenAsked(choice: string, info: JpegDecoderInfo): JpegDecoderInfo {
  if (choice === 'libjpeg-turbo') {
    throw new InvalidArgumentError({
      argument: 'GRAFT_JPEG_DECODER',
      value: choice,
      expected: `a loadable TurboJPEG library, or 'auto'/'sharp' (${info.reason})`,
    });
  }
  return info;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}

/** Which JPEG decoder this thread uses for plain JPEGs, and why (for `--verbose` and `graft doctor`). */
export function jpegDecoder(): JpegDecoderInfo {
  const turbo = load();
  return 'info' in turbo ? turbo.info : turbo;
}

/** Options of {@link decodeTurboJpeg}. */
export interface DecodeTurboJpegOptions {
  /** The encoded file's bytes (anything but a JPEG gives `undefined`). */
  bytes: Uint8Array;
  /** Largest `width * height` decoded here; a larger image is left to sharp (which refuses it). */
  maximumPixels: number;
  /** Sees the declared size before decoding; `false` leaves the image to sharp. Default: all. */
  accept?: (width: number, height: number) => boolean;
  /**
   * Decodes into this buffer when it holds `width * height * 3` bytes (the result's `data` is
   * then a view of it), so a caller that is done with the pixels at once can reuse one buffer.
   * Default: a new buffer per image.
   */
  output?: Uint8Array;
}

/**
 * Decodes a plain JPEG (YCbCr or grayscale, EXIF orientation 1 or absent, at most
 * `maximumPixels`) to RGB with libjpeg-turbo (accurate integer IDCT, fancy upsampling: Pillow's
 * defaults, so the same bytes as `Image.open(file).convert('RGB')`) on a libuv thread. Returns
 * `undefined` whenever sharp must decide instead — no library, not a JPEG, CMYK, a rotation, a
 * size over the limit or not accepted, or any error or warning (a truncated file) — so every
 * refusal and its message stay sharp's.
 */
export async function decodeTurboJpeg(
  options: DecodeTurboJpegOptions,
): Promise<DecodedImage | undefined> {
  const { bytes, maximumPixels, accept, output } = options;
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) {
    return undefined;
  }
  const turbo = load();
  if (!('info' in turbo)) return undefined;
  const orientation = readJpegOrientation(bytes);
  if (orientation !== 1) return undefined;
  const handle = turbo.idle.pop() ?? turbo.initDecompress();
  if (!handle) return undefined;
  try {
    const width = [0];
    const height = [0];
    const subsampling = [0];
    const colourSpace = [0];
    if (
      turbo.decompressHeader(
        handle,
        bytes,
        bytes.length,
        width,
        height,
        subsampling,
        colourSpace,
      ) !== 0
    ) {
      return undefined;
    }
    const [w = 0, h = 0, space = -1] = [width[0], height[0], colourSpace[0]];
    if (space !== colourSpaceYCbCr && space !== colourSpaceGray) return undefined;
    if (w < 1 || h < 1 || w * h > maximumPixels) return undefined;
    if (accept !== undefined && !accept(w, h)) return undefined;
    const data =
      output !== undefined && output.length >= w * h * 3
        ? output.subarray(0, w * h * 3)
        : new Uint8Array(w * h * 3);
    const status = await new Promise<number>((resolve, reject) => {
      turbo.decompress.async(
        handle,
        bytes,
        bytes.length,
        data,
        w,
        0,
        h,
        pixelFormatRgb,
        0,
        (error, result) => (error ? reject(error) : resolve(result)),
      );
    });
    // -1 is also libjpeg's warnings (a truncated or corrupt stream): sharp refuses those by name.
    return status === 0 ? { width: w, height: h, data } : undefined;
  } finally {
    turbo.idle.push(handle);
  }
}
