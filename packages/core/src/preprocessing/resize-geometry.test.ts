import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { checkResizeOptions, resizeGeometry } from './resize-geometry.js';

describe('resizeGeometry', () => {
  it('stretch scales the whole image to the target', () => {
    expect(
      resizeGeometry(500, 375, [224, 224], { mode: 'stretch', interpolation: 'bilinear' }),
    ).toEqual({ resizeWidth: 224, resizeHeight: 224, left: 0, top: 0 });
  });

  it('center-crop matches torchvision Resize(256) + CenterCrop(224) for crop 0.875', () => {
    // Shorter side 375 -> 256, longer 500 -> int(256 * 500 / 375) = 341; left = round(58.5) = 58 (half to even).
    const geometry = resizeGeometry(500, 375, [224, 224], {
      mode: 'center-crop',
      cropFraction: 0.875,
      interpolation: 'bilinear',
    });
    expect(geometry).toEqual({ resizeWidth: 341, resizeHeight: 256, left: 58, top: 16 });
  });

  it('center-crop with fraction 1 keeps the full shorter side', () => {
    const geometry = resizeGeometry(100, 300, [50, 50], {
      mode: 'center-crop',
      cropFraction: 1,
      interpolation: 'nearest',
    });
    expect(geometry).toEqual({ resizeWidth: 50, resizeHeight: 150, left: 0, top: 50 });
  });

  it('rejects bad sizes and policies, naming the argument', () => {
    const policy = { mode: 'stretch', interpolation: 'bilinear' } as const;
    expect(() => checkResizeOptions([0, 224], policy)).toThrow(InvalidArgumentError);
    expect(() =>
      checkResizeOptions([224, 224], { ...policy, mode: 'squash' as 'stretch' }),
    ).toThrow(/resize\.mode/);
    expect(() =>
      checkResizeOptions([224, 224], {
        mode: 'center-crop',
        cropFraction: 1.5,
        interpolation: 'bilinear',
      }),
    ).toThrow(/cropFraction/);
    expect(() =>
      checkResizeOptions([224, 224], { ...policy, interpolation: 'lanczos' as 'bilinear' }),
    ).toThrow(/bilinear, nearest, bicubic/);
  });
});
