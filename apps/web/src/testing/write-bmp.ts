/** Encodes `[height, width, 3]` RGB bytes (row-major, top row first) as a 24-bit BMP file. */
export function encodeBmp(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const size = 54 + rowBytes * height;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x42; // 'B'
  bytes[1] = 0x4d; // 'M'
  view.setUint32(2, size, true);
  view.setUint32(10, 54, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true); // positive: rows stored bottom-up
  view.setUint16(26, 1, true);
  view.setUint16(28, 24, true);
  view.setUint32(34, rowBytes * height, true);
  for (let row = 0; row < height; row++) {
    const target = 54 + (height - 1 - row) * rowBytes;
    for (let column = 0; column < width; column++) {
      const source = (row * width + column) * 3;
      bytes[target + column * 3] = pixels[source + 2] as number; // BMP stores BGR
      bytes[target + column * 3 + 1] = pixels[source + 1] as number;
      bytes[target + column * 3 + 2] = pixels[source] as number;
    }
  }
  return bytes;
}
