import { defaultCropFraction, type ResizePolicy } from '@graft/core';
import type { Sharp } from 'sharp';
import { decodeBmp, isBmp } from '../decoders/decode-bmp.js';
import { decodeNetpbm, isNetpbm } from '../decoders/decode-netpbm.js';
import type { DecodedImage } from '../decoders/decoded-image.js';
import { maximumPixelsOf } from '../decoders/pixel-limit.js';
import { resizeDecoded } from './decode-image.js';
import { loadSharp } from './load-sharp.js';
import { sharpDecodeError } from './sharp-decode-error.js';
import { sharpDecodeOptions } from './sharp-decode-options.js';
import { decodeTurboJpeg } from './turbo-jpeg.js';

export { type CutViewOptions, cutView, cutViewInto } from './cut-view.js';

/** Where {@link decodeFrame} puts an image. */
export interface FrameTarget {
  /** `[height, width]` of the dataset's clean images (the frame views are drawn in). */
  imageSize: readonly [number, number];
  /** The dataset's resize policy: which window of the source the frame covers. */
  resize: ResizePolicy;
  /** Stored frame size over `imageSize` (>= 1): extra resolution for random crops. */
  frameScale: number;
  /** Largest `width * height` decoded. */
  maximumPixels?: number;
}

/** `[height, width]` of the frame {@link decodeFrame} returns. */
export function frameSizeOf(target: FrameTarget): [number, number] {
  return [
    Math.round(target.imageSize[0] * target.frameScale),
    Math.round(target.imageSize[1] * target.frameScale),
  ];
}

/**
 * Decodes an image into its training frame: the window of the source that the clean resize
 * policy keeps (the centre crop, or the whole image for `stretch`), at `frameScale` times the
 * clean size, as `height * width * 3` RGB bytes. Netpbm, BMP and plain JPEGs that libjpeg-turbo
 * decodes (`decodeTurboJpeg`) are resized by `resizeImage` from `@graft/core` — the frame is then
 * the clean pipeline's image at `frameScale` times its size, and libvips's per-call cost (~1.6
 * CPU-ms, more than the decode) is gone. Other formats, rotated JPEGs and JPEGs at least twice
 * the needed size in both directions (libvips then decodes at 1/2, 1/4 or 1/8 — shrink-on-load)
 * go through one libvips pipeline on a libuv thread. Augmented training views only: the clean
 * path stays `resizeImage` at the clean size, bit for bit.
 */
export async function decodeFrame(
  bytes: Uint8Array,
  file: string,
  target: FrameTarget,
): Promise<Uint8Array> {
  const limitInputPixels = maximumPixelsOf(target);
  const [frameHeight, frameWidth] = frameSizeOf(target);
  const [boxHeight, boxWidth] = boxSizeOf(target);
  let decoded: DecodedImage | undefined;
  // A libjpeg-turbo decode goes into a spare buffer and gives its buffer back once resized.
  let recycle: Uint8Array | undefined;
  if (isNetpbm(bytes)) decoded = decodeNetpbm(bytes, file, target);
  else if (isBmp(bytes)) decoded = decodeBmp(bytes, file, target);
  else {
    const spare = spareDecodes.pop();
    decoded = await decodeTurboJpeg({
      bytes,
      maximumPixels: limitInputPixels,
      accept: (width, height) => width < 2 * boxWidth || height < 2 * boxHeight,
      ...(spare ? { output: spare } : {}),
    });
    // The spare when the decode went into it (or did not happen), else the decode's own.
    recycle = decoded === undefined || decoded.data.buffer === spare?.buffer ? spare : decoded.data;
  }
  try {
    if (decoded !== undefined) {
      return await resizeDecoded(decoded, file, {
        imageSize: [frameHeight, frameWidth],
        resize: target.resize,
      });
    }
  } finally {
    // The resize has copied the pixels: the decode buffer serves the next image.
    if (
      recycle !== undefined &&
      recycle.byteLength <= maximumSpareDecodeBytes &&
      spareDecodes.length < maximumSpareDecodes
    ) {
      spareDecodes.push(recycle);
    }
  }
  const kernel = kernelOf(target.resize);
  const sharp = await loadSharp();
  const input = sharp(bytes, sharpDecodeOptions(limitInputPixels)).rotate();
  try {
    let pipeline: Sharp;
    if (target.resize.mode === 'stretch') {
      pipeline = input.resize(frameWidth, frameHeight, { fit: 'fill', kernel });
    } else {
      // The centre window of a cover-resize to the policy's box is the clean centre crop.
      pipeline = input.resize(boxWidth, boxHeight, { fit: 'cover', kernel }).extract({
        left: Math.floor((boxWidth - frameWidth) / 2),
        top: Math.floor((boxHeight - frameHeight) / 2),
        width: frameWidth,
        height: frameHeight,
      });
    }
    const { data, info } = await pipeline
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== frameWidth || info.height !== frameHeight) {
      throw new Error(
        `decoder produced ${info.width}x${info.height}x${info.channels}, expected ${frameWidth}x${frameHeight}x3`,
      );
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (error) {
    throw await sharpDecodeError({ bytes, file, error, maximumPixels: limitInputPixels });
  }
}

// Full-size decodes (~0.5 MB for a 500x375 photo) were a fresh allocation per image and a large
// part of the garbage collector's time: up to 8 of up to 8 MB each are kept for reuse.
const spareDecodes: Uint8Array[] = [];
const maximumSpareDecodes = 8;
const maximumSpareDecodeBytes = 8 * 2 ** 20;

/**
 * `[height, width]` that the source is cover-resized to before the frame's centre window is
 * cut (`stretch`: the frame itself).
 */
function boxSizeOf(target: FrameTarget): [number, number] {
  const [frameHeight, frameWidth] = frameSizeOf(target);
  if (target.resize.mode === 'stretch') return [frameHeight, frameWidth];
  const cropFraction = target.resize.cropFraction ?? defaultCropFraction;
  const [cleanHeight, cleanWidth] = target.imageSize;
  return [
    Math.max(frameHeight, Math.round(Math.floor(cleanHeight / cropFraction) * target.frameScale)),
    Math.max(frameWidth, Math.round(Math.floor(cleanWidth / cropFraction) * target.frameScale)),
  ];
}

/** libvips's kernel for the policy's filter (bilinear is libvips's `linear`). */
function kernelOf(resize: ResizePolicy): 'nearest' | 'cubic' | 'linear' {
  if (resize.interpolation === 'nearest') return 'nearest';
  return resize.interpolation === 'bicubic' ? 'cubic' : 'linear';
}
