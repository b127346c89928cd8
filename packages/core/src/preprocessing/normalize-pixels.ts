import type { Preprocessing } from '../types/preprocessing.js';

/**
 * Per-channel `multiplier` and `offset` (in the network's channel order) such that the network
 * input is `pixel * multiplier + offset`: the range mapping and mean/std folded into one
 * multiply-add, computed in float64 once. Shared by {@link normalizePixels} and
 * `normalizeImages`, so both apply the very same two float32 constants per channel.
 */
export function normalizationConstants(preprocessing: Preprocessing): {
  multiplier: [number, number, number];
  offset: [number, number, number];
} {
  const [low, high] = preprocessing.inputRange;
  const scale = (high - low) / 255;
  const { mean, std } = preprocessing;
  const channel = (index: 0 | 1 | 2) => ({
    multiplier: scale / std[index],
    offset: (low - mean[index]) / std[index],
  });
  const [red, green, blue] = [channel(0), channel(1), channel(2)];
  return {
    multiplier: [red.multiplier, green.multiplier, blue.multiplier],
    offset: [red.offset, green.offset, blue.offset],
  };
}

/**
 * The network input for `height * width * 3` RGB bytes already at `preprocessing.inputSize`
 * (see `resizeImage`): channels reordered to `channelOrder`, then `pixel * multiplier + offset`
 * rounded to float32 exactly as `normalizeImages` computes it on a tensor. A pure function for
 * places without tensors (workers, servers, tests following docs/preprocessing.md).
 */
export function normalizePixels(pixels: Uint8Array, preprocessing: Preprocessing): Float32Array {
  const { multiplier, offset } = normalizationConstants(preprocessing);
  const multipliers = multiplier.map(Math.fround);
  const offsets = offset.map(Math.fround);
  const reverse = preprocessing.channelOrder === 'bgr';
  const output = new Float32Array(pixels.length);
  for (let index = 0; index < pixels.length; index += 3) {
    for (let channel = 0; channel < 3; channel++) {
      const source = pixels[index + (reverse ? 2 - channel : channel)] as number;
      output[index + channel] = Math.fround(
        Math.fround(source * (multipliers[channel] as number)) + (offsets[channel] as number),
      );
    }
  }
  return output;
}
