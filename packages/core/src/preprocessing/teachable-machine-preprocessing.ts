import type { Preprocessing } from '../types/preprocessing.js';

/**
 * The preprocessing `@teachablemachine/image` 0.8.5 applies before `model.predict`: `cropTo`
 * scales the image so its shorter side is `imageSize` (both sides rounded up) and draws the
 * centre (offsets truncated) on a square canvas, then `capture` maps pixels by `x / 127 - 1`
 * (not Keras' `x / 127.5 - 1`). TM resamples with the browser's canvas, which differs between
 * browsers; Graft uses its one resize (Pillow's bilinear with antialiasing) on this geometry.
 */
export function teachableMachinePreprocessing(imageSize = 224): Preprocessing {
  return {
    inputSize: [imageSize, imageSize],
    channelOrder: 'rgb',
    // x / 127 - 1 maps [0, 255] onto [-1, 128 / 127].
    inputRange: [-1, 128 / 127],
    mean: [0, 0, 0],
    std: [1, 1, 1],
    resize: {
      mode: 'center-crop',
      cropFraction: 1,
      interpolation: 'bilinear',
      antialias: true,
      rounding: 'teachable-machine',
    },
  };
}

/** `@teachablemachine/image`'s package name, as its `metadata.json` records it. */
export const teachableMachinePackageName = '@teachablemachine/image';

/**
 * Whether a parsed `metadata.json` carries Teachable Machine's marks (`tmVersion`, or TM's
 * `packageName`): an export of the TM site or library, or a copy Graft re-exported from one.
 */
export function hasTeachableMachineMarks(value: unknown): value is {
  tmVersion?: string;
  packageName?: string;
  imageSize?: unknown;
} {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.tmVersion === 'string' || record.packageName === teachableMachinePackageName;
}
