import '@tensorflow/tfjs-backend-cpu';
import { join } from 'node:path';
import { teachableMachinePreprocessing } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTinyProject } from '../testing/tiny-project.js';
import { openCalibrationImages } from './calibration-images.js';

const project = useTinyProject({ name: 'calibration-images', images: { train: 4, val: 1 } });
const preprocessing = teachableMachinePreprocessing(16);

async function sample(seed: number, count: number) {
  const images = await openCalibrationImages({
    calibrationData: join(project(), 'data'),
    count,
    seed,
    preprocessing,
  });
  const batches = [];
  for await (const batch of images.batches) batches.push(batch);
  return { images, batches };
}

describe('openCalibrationImages', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('draws a seeded sample of the train split, normalised, leaving no tensor behind', async () => {
    await sample(0, 2); // warm-up: kernels and decoders
    const tensors = tf.memory().numTensors;
    const first = await sample(3, 10);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(first.images).toMatchObject({ images: 10, available: 12 });
    // Batches of 8, 16×16 RGB, in the model's input range (Teachable Machine: x / 127 − 1).
    expect(first.batches.map((batch) => batch.shape)).toEqual([
      [8, 16, 16, 3],
      [2, 16, 16, 3],
    ]);
    const values = first.batches.flatMap((batch) => Array.from(batch.data));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...values)).toBeLessThanOrEqual(255 / 127 - 1);
    expect(Math.min(...values)).toBeLessThan(-0.3);
    const again = await sample(3, 10);
    const other = await sample(4, 10);
    const pixels = (drawn: typeof first) => drawn.batches.map((batch) => Array.from(batch.data));
    expect(pixels(again)).toEqual(pixels(first));
    expect(pixels(other)).not.toEqual(pixels(first));
  });

  it('names --calibration-images and --calibration-data in its errors', async () => {
    await expect(sample(0, 0)).rejects.toThrow(/--calibration-images/);
    await expect(
      openCalibrationImages({ runRoot: project(), count: 4, seed: 0, preprocessing }),
    ).rejects.toThrow(/--calibration-data.*int8-weights needs no images/s);
  });
});
