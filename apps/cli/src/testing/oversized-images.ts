// Tiny image files whose headers claim 100000x100000 pixels (decompression bombs), for tests.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A 24-bit BMP header (54 bytes) claiming `size` x `size`, followed by 3 bytes of pixels. */
function oversizedBmp(size: number): Uint8Array {
  const bytes = new Uint8Array(57);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x42;
  bytes[1] = 0x4d;
  view.setUint32(2, bytes.length, true);
  view.setUint32(10, 54, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, size, true);
  view.setInt32(22, size, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, 24, true);
  return bytes;
}

/** Names of the files {@link writeOversizedImages} writes. */
export const oversizedNames = ['huge.bmp', 'huge.pgm', 'huge.ppm'] as const;

/** Writes a BMP, a P5 PGM and a P6 PPM whose headers claim 100000x100000 into `folder`. */
export async function writeOversizedImages(folder: string): Promise<string[]> {
  const size = 100000;
  const files: [string, Uint8Array][] = [
    ['huge.bmp', oversizedBmp(size)],
    ['huge.pgm', new TextEncoder().encode(`P5\n${size} ${size}\n255\n\x01\x02\x03`)],
    ['huge.ppm', new TextEncoder().encode(`P6\n${size} ${size}\n255\n\x01\x02\x03`)],
  ];
  for (const [name, bytes] of files) await writeFile(join(folder, name), bytes);
  return files.map(([name]) => join(folder, name));
}
