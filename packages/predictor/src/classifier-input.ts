import { InvalidArgumentError } from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';

/** RGBA pixels as a canvas gives them (`ImageData`, or any object of the same shape). */
export interface ImageDataLike {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `width * height * 4` bytes, R G B A per pixel (alpha is dropped, as decoding drops it). */
  data: Uint8ClampedArray | Uint8Array;
}

/**
 * One image to classify: encoded bytes (JPEG, PNG, WebP, TIFF, BMP, PPM/PGM; the format is found
 * from the bytes), canvas pixels, or a tensor of pixels in [0, 255] (`[H, W, 3]`, any size).
 */
export type ClassifierInput = Uint8Array | ArrayBuffer | ImageDataLike | tf.Tensor3D;

/** What kind of input `input` is, checked; a wrong one names the argument and the choices. */
export function inputKind(input: unknown): 'bytes' | 'image-data' | 'tensor' {
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return 'bytes';
  if (typeof input === 'object' && input !== null) {
    const record = input as Record<string, unknown>;
    if (Array.isArray(record.shape) && typeof record.dtype === 'string') return 'tensor';
    if (
      typeof record.width === 'number' &&
      typeof record.height === 'number' &&
      (record.data instanceof Uint8ClampedArray || record.data instanceof Uint8Array)
    ) {
      return 'image-data';
    }
  }
  throw new InvalidArgumentError({
    argument: 'input',
    value: describeValue(input),
    expected:
      'must be encoded image bytes (Uint8Array, Buffer or ArrayBuffer), ImageData ({ width, height, data: RGBA }) or a tf.Tensor3D of pixels in [0, 255]',
  });
}

/** RGB bytes of RGBA canvas pixels; the size is checked against `data`. */
export function rgbOfImageData(image: ImageDataLike): Uint8Array {
  const { width, height, data } = image;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new InvalidArgumentError({
      argument: 'input',
      value: `ImageData ${width}x${height}`,
      expected: 'must have a positive integer width and height',
    });
  }
  if (data.length !== width * height * 4) {
    throw new InvalidArgumentError({
      argument: 'input.data',
      value: `${data.length} bytes`,
      expected: `must hold width * height * 4 = ${width * height * 4} bytes (RGBA, as ImageData)`,
    });
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let pixel = 0; pixel < width * height; pixel++) {
    rgb[pixel * 3] = data[pixel * 4] as number;
    rgb[pixel * 3 + 1] = data[pixel * 4 + 1] as number;
    rgb[pixel * 3 + 2] = data[pixel * 4 + 2] as number;
  }
  return rgb;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `${typeof value} ${String(value).slice(0, 40)}`;
  return value.constructor?.name ?? 'object';
}
