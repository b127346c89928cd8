import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
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
 *
 * @param output Where to write (at least `pixels.length` values); default a new array. A
 *   caller normalizing batch after batch reuses one.
 */
export function normalizePixels(
  pixels: Uint8Array,
  preprocessing: Preprocessing,
  output: Float32Array = new Float32Array(pixels.length),
): Float32Array {
  if (output.length < pixels.length) {
    throw new InvalidArgumentError({
      argument: 'output',
      value: `${output.length} values`,
      expected: `must hold at least the ${pixels.length} values of pixels`,
    });
  }
  const { multiplier, offset } = normalizationConstants(preprocessing);
  // A byte has 256 values: each channel's results are looked up, computed once with the same
  // two float32 roundings (half the time of the multiply-add per byte).
  const tables = [0, 1, 2].map((channel) => {
    const factor = Math.fround(multiplier[channel] as number);
    const shift = Math.fround(offset[channel] as number);
    const table = new Float32Array(256);
    for (let value = 0; value < 256; value++) {
      table[value] = Math.fround(Math.fround(value * factor) + shift);
    }
    return table;
  }) as [Float32Array, Float32Array, Float32Array];
  const [first, second, third] = tables;
  // Network channel c reads source channel c (rgb) or 2 - c (bgr).
  const [source0, source2] = preprocessing.channelOrder === 'bgr' ? [2, 0] : [0, 2];
  for (let index = 0; index < pixels.length; index += 3) {
    output[index] = first[pixels[index + source0] as number] as number;
    output[index + 1] = second[pixels[index + 1] as number] as number;
    output[index + 2] = third[pixels[index + source2] as number] as number;
  }
  return output;
}
