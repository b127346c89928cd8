// Writers for test images in the exact on-disk formats (tests only; not exported).

/** Encodes a netpbm image. `samples` are gray (P2/P5) or RGB (P3/P6) values up to `maxValue`. */
export function encodeNetpbm(options: {
  kind: 'P2' | 'P3' | 'P5' | 'P6';
  width: number;
  height: number;
  maxValue: number;
  samples: readonly number[];
  comment?: string;
}): Uint8Array {
  const comment = options.comment === undefined ? '' : `# ${options.comment}\n`;
  const header = `${options.kind}\n${comment}${options.width} ${options.height}\n${options.maxValue}\n`;
  if (options.kind === 'P2' || options.kind === 'P3') {
    return new TextEncoder().encode(`${header}${options.samples.join(' ')}\n`);
  }
  const wide = options.maxValue > 255;
  const body = new Uint8Array(options.samples.length * (wide ? 2 : 1));
  options.samples.forEach((sample, index) => {
    if (wide) {
      body[2 * index] = sample >> 8;
      body[2 * index + 1] = sample & 0xff;
    } else body[index] = sample;
  });
  const head = new TextEncoder().encode(header);
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  bytes.set(body, head.length);
  return bytes;
}

/**
 * Encodes a BMP (BITMAPINFOHEADER) from RGB pixels: 24-bit, 32-bit BGRX, or 8-bit with a palette
 * built from the distinct colours. Rows bottom-up unless `topDown`.
 */
export function encodeBmp(options: {
  width: number;
  height: number;
  rgb: Uint8Array;
  bitsPerPixel: 8 | 24 | 32;
  topDown?: boolean;
}): Uint8Array {
  const { width, height, rgb, bitsPerPixel } = options;
  const palette: number[] = [];
  const paletteIndex = new Map<number, number>();
  if (bitsPerPixel === 8) {
    for (let pixel = 0; pixel < width * height; pixel++) {
      const color =
        ((rgb[pixel * 3] as number) << 16) |
        ((rgb[pixel * 3 + 1] as number) << 8) |
        (rgb[pixel * 3 + 2] as number);
      if (!paletteIndex.has(color)) {
        paletteIndex.set(color, palette.length);
        palette.push(color);
      }
    }
  }
  const stride = Math.floor((bitsPerPixel * width + 31) / 32) * 4;
  const paletteBytes = palette.length * 4;
  const pixelOffset = 14 + 40 + paletteBytes;
  const bytes = new Uint8Array(pixelOffset + stride * height);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x42;
  bytes[1] = 0x4d;
  view.setUint32(2, bytes.length, true);
  view.setUint32(10, pixelOffset, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, options.topDown ? -height : height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, bitsPerPixel, true);
  view.setUint32(30, 0, true);
  view.setUint32(46, palette.length, true);
  palette.forEach((color, index) => {
    bytes[54 + index * 4] = color & 0xff;
    bytes[54 + index * 4 + 1] = (color >> 8) & 0xff;
    bytes[54 + index * 4 + 2] = (color >> 16) & 0xff;
  });
  for (let row = 0; row < height; row++) {
    const fileRow = options.topDown ? row : height - 1 - row;
    for (let column = 0; column < width; column++) {
      const source = (row * width + column) * 3;
      const r = rgb[source] as number;
      const g = rgb[source + 1] as number;
      const b = rgb[source + 2] as number;
      const start = pixelOffset + fileRow * stride;
      if (bitsPerPixel === 8) {
        bytes[start + column] = paletteIndex.get((r << 16) | (g << 8) | b) as number;
      } else {
        const target = start + column * (bitsPerPixel / 8);
        bytes[target] = b;
        bytes[target + 1] = g;
        bytes[target + 2] = r;
        if (bitsPerPixel === 32) bytes[target + 3] = 255;
      }
    }
  }
  return bytes;
}

/** Deterministic RGB test pixels with distinct values. */
export function testPixels(width: number, height: number, seed = 1): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let index = 0; index < data.length; index++) data[index] = (index * 37 + seed * 101) % 256;
  return data;
}
