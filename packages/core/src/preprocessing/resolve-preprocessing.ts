import type { Preprocessing, ResizePolicy } from '../types/preprocessing.js';
import { checkResizeOptions, defaultCropFraction } from './resize-geometry.js';

/** A {@link ResizePolicy} with every default written out. */
export interface ResolvedResizePolicy extends ResizePolicy {
  cropFraction: number;
  antialias: boolean;
  rounding: 'torchvision' | 'teachable-machine';
}

/** A {@link Preprocessing} with every default written out: what saved metadata records. */
export interface ResolvedPreprocessing extends Preprocessing {
  resize: ResolvedResizePolicy;
}

/**
 * Writes out every default of `preprocessing` (crop fraction 0.875, antialias on, torchvision
 * rounding), so a stored description needs no knowledge of Graft's defaults to be reproduced
 * (docs/preprocessing.md), and two descriptions of the same pipeline compare equal. Checks the
 * resize policy; returns a new plain (JSON-safe) object.
 */
export function resolvePreprocessing(preprocessing: Preprocessing): ResolvedPreprocessing {
  checkResizeOptions(preprocessing.inputSize, preprocessing.resize);
  const resize = preprocessing.resize;
  return {
    inputSize: [preprocessing.inputSize[0], preprocessing.inputSize[1]],
    channelOrder: preprocessing.channelOrder,
    inputRange: [preprocessing.inputRange[0], preprocessing.inputRange[1]],
    mean: [preprocessing.mean[0], preprocessing.mean[1], preprocessing.mean[2]],
    std: [preprocessing.std[0], preprocessing.std[1], preprocessing.std[2]],
    resize: {
      mode: resize.mode,
      cropFraction: resize.cropFraction ?? defaultCropFraction,
      interpolation: resize.interpolation,
      antialias: resize.antialias ?? true,
      rounding: resize.rounding ?? 'torchvision',
    },
  };
}
