import { defaultCropFraction, type ResizePolicy } from '@graft/core';
import sharp, { type Sharp } from 'sharp';
import { decodeBmp, isBmp } from '../decoders/decode-bmp.js';
import { decodeNetpbm, isNetpbm } from '../decoders/decode-netpbm.js';
import { maximumPixelsOf } from '../decoders/pixel-limit.js';
import { sharpDecodeError } from './sharp-decode-error.js';
import { sharpDecodeOptions } from './sharp-decode-options.js';

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
 * clean size, as `height * width * 3` RGB bytes. One libvips pipeline on a libuv thread; a JPEG
 * much larger than the frame is decoded with shrink-on-load (libvips picks 1/2, 1/4 or 1/8).
 * Augmented training views only: the clean path stays `resizeImage`, bit for bit.
 */
export async function decodeFrame(
  bytes: Uint8Array,
  file: string,
  target: FrameTarget,
): Promise<Uint8Array> {
  const limitInputPixels = maximumPixelsOf(target);
  const [frameHeight, frameWidth] = frameSizeOf(target);
  const kernel = kernelOf(target.resize);
  let input: Sharp;
  let width: number | undefined;
  let height: number | undefined;
  if (isNetpbm(bytes) || isBmp(bytes)) {
    const decoded = isNetpbm(bytes)
      ? decodeNetpbm(bytes, file, target)
      : decodeBmp(bytes, file, target);
    ({ width, height } = decoded);
    input = sharp(decoded.data, { raw: { width, height, channels: 3 } });
  } else {
    input = sharp(bytes, sharpDecodeOptions(limitInputPixels)).rotate();
  }
  try {
    let pipeline: Sharp;
    if (target.resize.mode === 'stretch') {
      pipeline = input.resize(frameWidth, frameHeight, { fit: 'fill', kernel });
    } else {
      // The centre window of a cover-resize to the policy's box is the clean centre crop.
      const cropFraction = target.resize.cropFraction ?? defaultCropFraction;
      const [cleanHeight, cleanWidth] = target.imageSize;
      const boxWidth = Math.max(
        frameWidth,
        Math.round(Math.floor(cleanWidth / cropFraction) * target.frameScale),
      );
      const boxHeight = Math.max(
        frameHeight,
        Math.round(Math.floor(cleanHeight / cropFraction) * target.frameScale),
      );
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

/** libvips's kernel for the policy's filter (bilinear is libvips's `linear`). */
function kernelOf(resize: ResizePolicy): 'nearest' | 'cubic' | 'linear' {
  if (resize.interpolation === 'nearest') return 'nearest';
  return resize.interpolation === 'bicubic' ? 'cubic' : 'linear';
}
