import { finiteNumber, oneOf } from '../../validate.js';
import {
  type FillMode,
  fillModes,
  type Interpolation,
  interpolations,
} from '../functional/affine.js';

/** Fill and sampling options shared by rotation, zoom and translation. */
export interface FillOptions {
  /** How pixels from outside the image are filled. Default `reflect` (as Keras). */
  fillMode?: FillMode;
  /** Pixel value for `constant` fill. Default 0. */
  fillValue?: number;
  /** Resampling. Default `bilinear`. */
  interpolation?: Interpolation;
}

/** Validated {@link FillOptions} with defaults. */
export function fillOptions(
  opName: string,
  options: FillOptions,
): { fillMode: FillMode; fillValue: number; interpolation: Interpolation } {
  return {
    fillMode: oneOf(`${opName}.fillMode`, options.fillMode ?? 'reflect', fillModes),
    fillValue: finiteNumber(`${opName}.fillValue`, options.fillValue ?? 0),
    interpolation: oneOf(
      `${opName}.interpolation`,
      options.interpolation ?? 'bilinear',
      interpolations,
    ),
  };
}

export const fillFields = ['fillMode', 'fillValue', 'interpolation'] as const;
