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
