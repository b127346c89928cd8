import '@tensorflow/tfjs-backend-cpu';
import type { Preprocessing } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  coveredWindow,
  heatMapColours,
  overlayHeatMap,
  upsampleHeatMap,
} from './heat-map-overlay.js';

const centreCrop: Preprocessing = {
  inputSize: [8, 8],
  channelOrder: 'rgb',
  inputRange: [0, 1],
  mean: [0, 0, 0],
  std: [1, 1, 1],
  resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' },
};

describe('heat-map overlay', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('colours 0, ½ and 1 dark blue, green and dark red (jet)', () => {
    const colours = heatMapColours(tf.tensor2d([[0, 0.5, 1]]));
    expect(colours.arraySync()).toEqual([
      [
        [0, 0, 127.5],
        [127.5, 255, 127.5],
        [127.5, 0, 0],
      ],
    ]);
    colours.dispose();
  });

  it('upsamples bilinearly: a constant stays constant, a step gets a ramp', () => {
    const step = upsampleHeatMap(tf.tensor2d([[0, 1]]), [1, 4]);
    expect(Array.from(step.dataSync())).toEqual([0, 0.25, 0.75, 1]);
    step.dispose();
  });

  it('covers only the centre-crop window of the original and blends by the opacity', () => {
    // 20 wide, 10 high → resized to 18x9, window left 5 → in the original: columns 6–14, rows 0–8.
    expect(coveredWindow(20, 10, centreCrop)).toEqual({ left: 6, top: 0, width: 9, height: 9 });
    const image = tf.fill([10, 20, 3], 100) as tf.Tensor3D;
    const heatMap = tf.ones([2, 2]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const overlay = overlayHeatMap({ image, heatMap, preprocessing: centreCrop, opacity: 0.5 });
    expect(tf.memory().numTensors).toBe(before + 1);
    const pixels = overlay.arraySync();
    expect(pixels[0]?.[10]).toEqual([113.75, 50, 50]);
    expect(pixels[9]?.[10]).toEqual([100, 100, 100]);
    expect(pixels[0]?.[5]).toEqual([100, 100, 100]);
    expect(pixels[8]?.[14]).toEqual([113.75, 50, 50]);
    tf.dispose([image, heatMap, overlay]);
    expect(() => overlayHeatMap({ image, heatMap, opacity: 2 })).toThrow(/opacity.*\[0, 1\]/);
  });
});
