// Tiny files whose headers claim huge sizes (decompression bombs), for tests (not exported).
import sharp from 'sharp';
import { encodeBmp } from './encode-test-images.js';

/** A 1x1 24-bit BMP whose header is rewritten to claim `width` x `height`. */
export function oversizedBmp(width: number, height: number): Uint8Array {
  const bytes = encodeBmp({ width: 1, height: 1, rgb: new Uint8Array(3), bitsPerPixel: 24 });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true);
  return bytes;
}

/** A netpbm header claiming `width` x `height`, followed by three samples. */
export function oversizedNetpbm(kind: 'P2' | 'P3' | 'P5' | 'P6', width: number, height: number) {
  return new TextEncoder().encode(`${kind}\n${width} ${height}\n255\n1 2 3\n`);
}

/** A valid 1x1 PNG whose IHDR (with a recomputed CRC) claims `width` x `height`. */
export async function oversizedPng(width: number, height: number): Promise<Uint8Array> {
  const png = new Uint8Array(
    await sharp(new Uint8Array(3), { raw: { width: 1, height: 1, channels: 3 } })
      .png()
      .toBuffer(),
  );
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  // Signature (8) + length (4) + "IHDR" (4), then width and height; the CRC covers type + data.
  view.setUint32(16, width);
  view.setUint32(20, height);
  view.setUint32(29, crc32(png.subarray(12, 29)));
  return png;
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}
