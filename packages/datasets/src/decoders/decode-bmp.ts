import { FileFormatError } from '@graft/core/errors';
import type { DecodedImage } from './decoded-image.js';
import { checkPixelLimit, type DecodeLimits } from './pixel-limit.js';

/** True when `bytes` start with the BMP magic `BM`. */
export function isBmp(bytes: Uint8Array): boolean {
  return bytes[0] === 0x42 && bytes[1] === 0x4d;
}

const compressionRgb = 0;
const compressionBitfields = 3;
const compressionAlphaBitfields = 6;

/**
 * Decodes an uncompressed Windows BMP: 1/4/8-bit palette, 16-bit (5-5-5 or bitfields), 24-bit
 * and 32-bit (BGRX or bitfields), bottom-up or top-down (negative height). Alpha is dropped, as
 * PIL's `convert('RGB')` does. RLE-compressed files are rejected with a {@link FileFormatError}.
 * The declared size is checked against `limits.maximumPixels` and the bytes present before the
 * pixel buffer is allocated.
 */
export function decodeBmp(bytes: Uint8Array, file: string, limits?: DecodeLimits): DecodedImage {
  if (!isBmp(bytes) || bytes.length < 26) {
    throw new FileFormatError({ file, problem: 'not a BMP image (missing "BM" header)' });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (problem: string): never => {
    throw new FileFormatError({ file, problem: `BMP: ${problem}` });
  };
  const pixelOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (headerSize < 40) fail(`unsupported header size ${headerSize} (OS/2 bitmaps are not read)`);
  if (bytes.length < 14 + headerSize) fail(`truncated header (${bytes.length} bytes)`);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bitsPerPixel = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  const colorsUsed = view.getUint32(46, true);
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width < 1 || height < 1) fail(`invalid size ${width}x${rawHeight}`);
  checkPixelLimit({ ...limits, file, width, height });
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel))
    fail(`unsupported ${bitsPerPixel} bits per pixel`);

  let masks: [number, number, number] | undefined;
  if (compression === compressionBitfields || compression === compressionAlphaBitfields) {
    if (bitsPerPixel !== 16 && bitsPerPixel !== 32)
      fail(`bitfields with ${bitsPerPixel} bits per pixel`);
    // Masks follow a 40-byte header, or sit inside a V2+ header at the same offset.
    if (bytes.length < 66) fail('truncated bitfield masks');
    masks = [view.getUint32(54, true), view.getUint32(58, true), view.getUint32(62, true)];
  } else if (compression !== compressionRgb) {
    fail(`compression ${compression} (RLE/JPEG/PNG inside BMP) is not supported`);
  } else if (bitsPerPixel === 16) {
    masks = [0x7c00, 0x03e0, 0x001f];
  }

  let palette: Uint8Array | undefined;
  if (bitsPerPixel <= 8) {
    const entries = colorsUsed === 0 ? 1 << bitsPerPixel : colorsUsed;
    const paletteStart = 14 + headerSize;
    if (paletteStart + entries * 4 > bytes.length) fail(`truncated palette of ${entries} entries`);
    palette = bytes.subarray(paletteStart, paletteStart + entries * 4);
  }

  const stride = Math.floor((bitsPerPixel * width + 31) / 32) * 4;
  // The last row needs only its pixels, not its padding; some writers omit the final padding.
  const needed = pixelOffset + stride * (height - 1) + Math.ceil((bitsPerPixel * width) / 8);
  if (bytes.length < needed) {
    fail(
      `truncated pixel data: ${bytes.length} bytes, expected at least ${needed} for ${width}x${height} at ${bitsPerPixel} bits`,
    );
  }

  const channelReaders = masks?.map(maskReader);
  const data = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const sourceRow = topDown ? row : height - 1 - row;
    const rowStart = pixelOffset + sourceRow * stride;
    for (let column = 0; column < width; column++) {
      const target = (row * width + column) * 3;
      if (palette !== undefined) {
        const bitOffset = column * bitsPerPixel;
        const byte = bytes[rowStart + (bitOffset >> 3)] as number;
        const index = (byte >> (8 - bitsPerPixel - (bitOffset & 7))) & ((1 << bitsPerPixel) - 1);
        if (index * 4 + 2 >= palette.length)
          fail(`palette index ${index} out of ${palette.length / 4} entries`);
        data[target] = palette[index * 4 + 2] as number;
        data[target + 1] = palette[index * 4 + 1] as number;
        data[target + 2] = palette[index * 4] as number;
      } else if (channelReaders !== undefined) {
        const value =
          bitsPerPixel === 16
            ? view.getUint16(rowStart + column * 2, true)
            : view.getUint32(rowStart + column * 4, true);
        data[target] = (channelReaders[0] as (value: number) => number)(value);
        data[target + 1] = (channelReaders[1] as (value: number) => number)(value);
        data[target + 2] = (channelReaders[2] as (value: number) => number)(value);
      } else {
        const source = rowStart + column * (bitsPerPixel / 8);
        data[target] = bytes[source + 2] as number;
        data[target + 1] = bytes[source + 1] as number;
        data[target + 2] = bytes[source] as number;
      }
    }
  }
  return { width, height, data };
}

/** Extracts a bitfield channel and scales it to 8 bits. */
function maskReader(mask: number): (value: number) => number {
  if (mask === 0) return () => 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const maximum = mask >>> shift;
  return (value) => Math.round((((value & mask) >>> shift) * 255) / maximum);
}
