import { FileFormatError } from '@graft/core/errors';
import type { DecodedImage } from './decoded-image.js';
import { checkPixelLimit, type DecodeLimits } from './pixel-limit.js';

/** True when `bytes` start with a netpbm magic number this decoder reads (P2, P3, P5, P6). */
export function isNetpbm(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] !== undefined && [0x32, 0x33, 0x35, 0x36].includes(bytes[1]);
}

/**
 * Decodes a netpbm image: P2 (ASCII gray), P3 (ASCII RGB), P5 (binary gray), P6 (binary RGB),
 * with any `maxval` up to 65535 (16-bit samples are big-endian, as the format says). Samples are
 * rescaled to 8 bits (`round(v * 255 / maxval)`); gray becomes RGB. Throws a
 * {@link FileFormatError} naming `file` for a bad header, missing pixels, or a declared size
 * above `limits.maximumPixels`; the size is checked against the cap and the bytes present
 * before any buffer is allocated.
 */
export function decodeNetpbm(bytes: Uint8Array, file: string, limits?: DecodeLimits): DecodedImage {
  if (!isNetpbm(bytes)) {
    throw new FileFormatError({
      file,
      problem: 'not a P2/P3/P5/P6 netpbm image (bad magic number)',
    });
  }
  const kind = String.fromCharCode(bytes[1] as number);
  let position = 2;
  const readHeaderNumber = (name: string): number => {
    // Whitespace and `#` comments may separate header fields.
    for (;;) {
      const byte = bytes[position];
      if (byte === undefined) break;
      if (byte === 0x23) {
        while (position < bytes.length && bytes[position] !== 0x0a && bytes[position] !== 0x0d)
          position++;
      } else if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) {
        position++;
      } else break;
    }
    const start = position;
    while (
      position < bytes.length &&
      (bytes[position] as number) >= 0x30 &&
      (bytes[position] as number) <= 0x39
    )
      position++;
    if (position === start) {
      throw new FileFormatError({ file, problem: `netpbm header: missing or invalid ${name}` });
    }
    return Number(new TextDecoder().decode(bytes.subarray(start, position)));
  };
  const width = readHeaderNumber('width');
  const height = readHeaderNumber('height');
  const maxValue = readHeaderNumber('maxval');
  if (width < 1 || height < 1 || maxValue < 1 || maxValue > 65535) {
    throw new FileFormatError({
      file,
      problem: `netpbm header: width ${width}, height ${height}, maxval ${maxValue} (need width, height >= 1 and 1 <= maxval <= 65535)`,
    });
  }
  checkPixelLimit({ ...limits, file, width, height });
  const channels = kind === '3' || kind === '6' ? 3 : 1;
  const sampleCount = width * height * channels;
  const binary = kind === '5' || kind === '6';
  if (binary) position++; // exactly one whitespace byte separates the header from binary data
  const bytesPerSample = maxValue > 255 ? 2 : 1;
  // ASCII samples need at least one digit each and one separator between them.
  const needed = binary ? sampleCount * bytesPerSample : 2 * sampleCount - 1;
  if (bytes.length - position < needed) {
    throw new FileFormatError({
      file,
      problem: binary
        ? `truncated netpbm P${kind}: ${bytes.length - position} bytes of pixel data, expected ${needed} for ${width}x${height}`
        : `truncated netpbm P${kind}: ${bytes.length - position} bytes of pixel data, at least ${needed} needed for ${width}x${height}`,
    });
  }
  const samples = new Uint16Array(sampleCount);
  if (binary) {
    for (let index = 0; index < sampleCount; index++) {
      samples[index] =
        bytesPerSample === 1
          ? (bytes[position + index] as number)
          : ((bytes[position + 2 * index] as number) << 8) |
            (bytes[position + 2 * index + 1] as number);
    }
  } else {
    for (let index = 0; index < sampleCount; index++) {
      try {
        samples[index] = readHeaderNumber('sample');
      } catch (error) {
        throw new FileFormatError({
          file,
          problem: `truncated netpbm P${kind}: found ${index} samples, expected ${sampleCount} for ${width}x${height}`,
          cause: error,
        });
      }
    }
  }
  for (let index = 0; index < sampleCount; index++) {
    if ((samples[index] as number) > maxValue) {
      throw new FileFormatError({
        file,
        problem: `netpbm sample ${samples[index]} at index ${index} exceeds maxval ${maxValue}`,
      });
    }
  }
  const data = new Uint8Array(width * height * 3);
  const scale = 255 / maxValue;
  for (let pixel = 0; pixel < width * height; pixel++) {
    for (let channel = 0; channel < 3; channel++) {
      const sample = samples[channels === 3 ? pixel * 3 + channel : pixel] as number;
      data[pixel * 3 + channel] = Math.round(sample * scale);
    }
  }
  return { width, height, data };
}
