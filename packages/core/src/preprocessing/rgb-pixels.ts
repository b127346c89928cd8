/** Interleaved 8-bit RGB pixels, row-major, top row first. */
export interface RgbPixels {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `width * height * 3` bytes, R G B per pixel. */
  data: Uint8Array;
}
