import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A 24-bit bottom-up BMP of `width`×`height` RGB pixels (rows top first), so a test knows every
 * decoded pixel exactly.
 */
export function encodeBmp(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const bytes = new Uint8Array(54 + stride * height);
  const view = new DataView(bytes.buffer);
  bytes.set([0x42, 0x4d]);
  view.setUint32(2, bytes.length, true);
  view.setUint32(10, 54, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, 24, true);
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const from = ((height - 1 - row) * width + column) * 3;
      const to = 54 + row * stride + column * 3;
      bytes[to] = rgb[from + 2] as number;
      bytes[to + 1] = rgb[from + 1] as number;
      bytes[to + 2] = rgb[from] as number;
    }
  }
  return bytes;
}

/**
 * Writes `root/{train,val}/{red,green,blue}/N.bmp`: noisy 16×16 images whose mean colour is the
 * class, from a fixed seed (a small, learnable, deterministic data set for CLI tests).
 */
export async function writeColourImages(
  root: string,
  count: { train: number; val: number },
): Promise<void> {
  let state = 12345;
  const next = () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const classes = ['red', 'green', 'blue'];
  for (const split of ['train', 'val'] as const) {
    for (const [index, name] of classes.entries()) {
      await mkdir(join(root, split, name), { recursive: true });
      for (let image = 0; image < count[split]; image++) {
        const rgb = new Uint8Array(16 * 16 * 3);
        for (let pixel = 0; pixel < 16 * 16; pixel++) {
          for (let channel = 0; channel < 3; channel++) {
            // The class channel is brighter on average; the noise makes classes overlap.
            const base = channel === index ? 140 : 90;
            rgb[pixel * 3 + channel] = Math.round(base + (next() - 0.5) * 200);
          }
        }
        await writeFile(join(root, split, name, `${image}.bmp`), encodeBmp(rgb, 16, 16));
      }
    }
  }
}
