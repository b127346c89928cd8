/**
 * Keras/TF-slim `_make_divisible`: rounds `value` to the nearest multiple of `divisor` (at least
 * `minimum`), never going below 90% of `value`. Channel counts of MobileNetV2 use it.
 */
export function makeDivisible(value: number, divisor = 8, minimum = divisor): number {
  let rounded = Math.max(minimum, Math.floor((value + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * value) rounded += divisor;
  return rounded;
}

/**
 * Keras `imagenet_utils.correct_pad` for a stride-2 conv with kernel `kernelSize` on an input of
 * `[height, width]`: `[[top, bottom], [left, right]]`, which equals TF `SAME` padding.
 */
export function correctPad(
  size: readonly [number, number],
  kernelSize: number,
): [[number, number], [number, number]] {
  const correct = Math.floor(kernelSize / 2);
  const adjustHeight = 1 - (size[0] % 2);
  const adjustWidth = 1 - (size[1] % 2);
  return [
    [correct - adjustHeight, correct],
    [correct - adjustWidth, correct],
  ];
}
