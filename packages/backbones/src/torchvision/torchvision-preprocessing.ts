import type { Preprocessing } from '@graft/core';

/** Options of {@link torchvisionClassificationPreprocessing}. */
export interface TorchvisionClassificationPreprocessingOptions {
  /** torchvision's `crop_size`: the network's input. */
  cropSize: number;
  /** torchvision's `resize_size`: the shorter side before the centre crop. */
  resizeSize: number;
  /** torchvision's `interpolation`. */
  interpolation: 'bilinear' | 'bicubic';
}

/**
 * torchvision's `ImageClassification` preset (`Resize(resize_size)`, `CenterCrop(crop_size)`,
 * ImageNet mean/std) as a descriptor's preprocessing: `cropFraction = crop / resize`, which
 * Graft's resize turns back into `floor(crop / fraction) = resize`.
 */
export function torchvisionClassificationPreprocessing(
  options: TorchvisionClassificationPreprocessingOptions,
): Preprocessing {
  return {
    inputSize: [options.cropSize, options.cropSize],
    channelOrder: 'rgb',
    inputRange: [0, 1],
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    resize: {
      mode: 'center-crop',
      cropFraction: options.cropSize / options.resizeSize,
      interpolation: options.interpolation,
    },
  };
}
