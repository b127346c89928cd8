import '@tensorflow/tfjs-backend-cpu';
import { disposeBatch } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compose } from './compose.js';
import { childSeed } from './define-image-op.js';
import { colorJitter } from './ops/color-jitter.js';
import { randomFlip } from './ops/random-flip.js';
import { randomResizedCrop } from './ops/random-resized-crop.js';
import { randomRotation } from './ops/random-rotation.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const frame = [32, 40] as const;
/** `count` images whose pixel (y, x) is [y, x, 0]: a crop's corners name its box. */
function coordinateBatch(count: number) {
  const values = new Float32Array(count * frame[0] * frame[1] * 3);
  for (let image = 0; image < count; image++) {
    for (let y = 0; y < frame[0]; y++) {
      for (let x = 0; x < frame[1]; x++) {
        const offset = ((image * frame[0] + y) * frame[1] + x) * 3;
        values[offset] = y;
        values[offset + 1] = x;
      }
    }
  }
  return {
    images: tf.tensor4d(values, [count, frame[0], frame[1], 3]),
    labels: tf.tensor1d(new Array(count).fill(0), 'int32'),
  };
}

describe('viewPlanner', () => {
  it('draws the crop boxes and flips the tensor path applies for the same seed', () => {
    const augmentation = compose([randomResizedCrop({ size: [8, 8] }), randomFlip()]);
    const planner = augmentation.viewPlanner();
    expect(planner?.rest).toBeUndefined();
    expect(planner?.outputSize(frame)).toEqual([8, 8]);
    const flips: boolean[] = [];
    for (const seed of [1, 2, 77]) {
      const count = 6;
      const views = planner?.views({ seed, count, frame }) ?? [];
      expect(views).toHaveLength(count);
      const batch = coordinateBatch(count);
      const output = augmentation.apply(batch, { seed, numClasses: 2 });
      const pixels = output.images.arraySync();
      views.forEach((view, index) => {
        const image = pixels[index] as number[][][];
        const right = view.left + view.width - 1;
        const bottom = view.top + view.height - 1;
        const [firstY, firstX] = (image[0] as number[][])[0] as number[];
        const [lastY, lastX] = (image[7] as number[][])[7] as number[];
        expect(firstY).toBeCloseTo(view.top, 1);
        expect(lastY).toBeCloseTo(bottom, 1);
        // A flipped view starts at the crop's right edge.
        expect(firstX).toBeCloseTo(view.flipHorizontal ? right : view.left, 1);
        expect(lastX).toBeCloseTo(view.flipHorizontal ? view.left : right, 1);
      });
      flips.push(...views.map((view) => view.flipHorizontal));
      disposeBatch(batch);
      disposeBatch(output);
    }
    // Both branches of the flip were checked.
    expect(new Set(flips)).toEqual(new Set([true, false]));
  });

  it('is reproducible per seed and differs between seeds', () => {
    const planner = randomResizedCrop({ size: 8 }).viewPlanner();
    const views = (seed: number) => planner?.views({ seed, count: 4, frame });
    expect(views(5)).toEqual(views(5));
    expect(views(5)).not.toEqual(views(6));
  });

  it('leaves the later ops to run on tensors with the seeds they have in the whole pipeline', () => {
    const jitter = colorJitter({ brightness: 0.4, contrast: 0.4 });
    const augmentation = compose([randomResizedCrop({ size: [8, 8] }), randomFlip(), jitter]);
    const rest = augmentation.viewPlanner()?.rest;
    expect(rest).toBeDefined();
    const batch = coordinateBatch(3);
    const viaRest = rest?.apply(batch, { seed: 9, numClasses: 2 });
    const direct = jitter.apply(batch, { seed: childSeed(9, 2), numClasses: 2 });
    expect(viaRest?.images.arraySync()).toEqual(direct.images.arraySync());
    for (const result of [batch, direct, viaRest]) if (result) disposeBatch(result);
  });

  it('plans nothing when the pipeline does not start with a crop or a horizontal flip', () => {
    expect(compose([randomRotation({ degrees: 10 }), randomFlip()]).viewPlanner()).toBeUndefined();
    expect(randomFlip({ mode: 'vertical' }).viewPlanner()).toBeUndefined();
  });
});
