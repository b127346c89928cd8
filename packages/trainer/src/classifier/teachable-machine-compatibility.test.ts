import { teachableMachinePreprocessing } from '@graft/core';
import { describe, expect, it } from 'vitest';
import { teachableMachineCompatibility } from './teachable-machine-compatibility.js';

// Exactly what @teachablemachine/image applies (the definition the loader records for TM models).
const teachableMachine = teachableMachinePreprocessing(224);

describe('teachableMachineCompatibility', () => {
  it("accepts exactly Teachable Machine's own preprocessing", () => {
    expect(teachableMachineCompatibility(teachableMachine)).toEqual({
      reproducible: true,
      differences: [],
    });
  });

  it("names Keras' x / 127.5 - 1 and the 0.875 crop of Graft's MobileNetV2 default", () => {
    const result = teachableMachineCompatibility({
      ...teachableMachine,
      inputRange: [-1, 1],
      resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' },
    });
    expect(result.reproducible).toBe(false);
    expect(result.differences).toHaveLength(2);
    expect(result.differences[0]).toMatch(/\[-1, 1\].*x \/ 127 - 1/);
    expect(result.differences[1]).toMatch(/centre 87\.5 %/);
  });

  it('names ImageNet mean/std, BGR, stretch and non-square inputs', () => {
    const result = teachableMachineCompatibility({
      inputSize: [224, 192],
      channelOrder: 'bgr',
      inputRange: [0, 1],
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      resize: { mode: 'stretch', interpolation: 'bilinear' },
    });
    expect(result.differences.join('\n')).toMatch(/224x192/);
    expect(result.differences.join('\n')).toMatch(/BGR/);
    expect(result.differences.join('\n')).toMatch(/mean \[0\.485/);
    expect(result.differences.join('\n')).toMatch(/stretched/);
  });

  it('flags the one-pixel rounding difference of a torchvision-rounded full crop', () => {
    const result = teachableMachineCompatibility({
      ...teachableMachine,
      resize: { mode: 'center-crop', cropFraction: 1, interpolation: 'bilinear' },
    });
    expect(result.differences).toEqual([expect.stringMatching(/rounds sizes up/)]);
  });
});
