import type { SeededRandom } from '@graft/core';

/**
 * torchvision's `get_params` in whole pixels: 10 tries at a random area and aspect ratio, then
 * the largest centred crop within `ratio`. The draws are the ones `randomResizedCrop` makes, so
 * a decoder given these regions reproduces its crops.
 */
export function cropRegion(
  random: SeededRandom,
  height: number,
  width: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
): { top: number; left: number; height: number; width: number } {
  const area = height * width;
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])] as const;
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * random.uniform(scale[0], scale[1]);
    const aspect = Math.exp(random.uniform(logRatio[0], logRatio[1]));
    const cropWidth = Math.round(Math.sqrt(targetArea * aspect));
    const cropHeight = Math.round(Math.sqrt(targetArea / aspect));
    if (cropWidth > 0 && cropWidth <= width && cropHeight > 0 && cropHeight <= height) {
      const top = random.int(0, height - cropHeight);
      const left = random.int(0, width - cropWidth);
      return { top, left, height: cropHeight, width: cropWidth };
    }
  }
  // Fallback: the largest centred crop whose ratio is within range.
  const inRatio = width / height;
  let cropWidth = width;
  let cropHeight = height;
  if (inRatio < ratio[0]) cropHeight = Math.round(width / ratio[0]);
  else if (inRatio > ratio[1]) cropWidth = Math.round(height * ratio[1]);
  const top = Math.floor((height - cropHeight) / 2);
  const left = Math.floor((width - cropWidth) / 2);
  return { top, left, height: cropHeight, width: cropWidth };
}
