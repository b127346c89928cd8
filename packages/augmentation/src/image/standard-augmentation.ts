import { size as checkSize } from '../validate.js';
import { compose } from './compose.js';
import type { ImageOp } from './image-op.js';
import { colorJitter } from './ops/color-jitter.js';
import { randomFlip } from './ops/random-flip.js';
import { randomResizedCrop } from './ops/random-resized-crop.js';

/** Options of {@link standardAugmentation}. */
export interface StandardAugmentationOptions {
  /** Output `[height, width]` (the backbone's input size). Default 224. */
  size?: number | [number, number];
  /** Crop area range of the random resized crop. Default `[0.25, 1]`. */
  scale?: [number, number];
  /** Colour jitter strength for brightness, contrast and saturation (hue gets a fifth). Default 0.2. */
  jitter?: number;
}

/**
 * The default training pipeline for transfer learning: random resized crop (area 25-100 %, milder
 * than ImageNet's 8 % because small datasets have the object filling the frame), horizontal flip,
 * light colour jitter. Output stays in [0, 255]; the backbone's preprocessing comes after.
 */
export function standardAugmentation(options: StandardAugmentationOptions = {}): ImageOp {
  const outputSize = checkSize('standardAugmentation.size', options.size ?? 224);
  const jitter = options.jitter ?? 0.2;
  return compose([
    randomResizedCrop({ size: outputSize, scale: options.scale ?? [0.25, 1] }),
    randomFlip({ mode: 'horizontal', probability: 0.5 }),
    colorJitter({ brightness: jitter, contrast: jitter, saturation: jitter, hue: jitter / 5 }),
  ]);
}
