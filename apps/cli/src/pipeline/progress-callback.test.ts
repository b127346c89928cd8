import type { CallbackContext } from '@graft/core';
import { describe, expect, it } from 'vitest';
import { createProgressRenderer } from '../progress/progress-renderer.js';
import { progressCallback } from './progress-callback.js';

describe('progressCallback', () => {
  it('summarises featurising with the rate since train() began, then one line per epoch', async () => {
    const lines: string[] = [];
    let clock = 0;
    const now = () => clock;
    const progress = createProgressRenderer({
      style: 'plain',
      write: (line) => lines.push(line),
      now,
    });
    const callback = progressCallback({ progress, trainImages: 10, now });
    const context = { epochs: 1 } as CallbackContext;
    clock = 4000; // the first report arrives after 4 s of featurising
    await callback.onExtractionProgress?.({ pass: 0, done: 8, total: 8 });
    // Validation: 2 of 3 images readable, so it never reports done === total.
    clock = 5000;
    await callback.onExtractionProgress?.({ pass: 'validation', done: 2, total: 3 });
    clock = 9000;
    await callback.onEpochBegin?.(0, context);
    await callback.onBatchEnd?.(0, { size: 8, loss: 0.5 }, context);
    await callback.onEpochEnd?.(0, { loss: 0.5, val_accuracy: 0.75 }, context);
    expect(lines).toEqual([
      'features pass 1: 8 img in 4.0s (2 img/s)',
      'features val: 2 img in 1.0s (2 img/s)',
      'epoch 1/1  loss 0.5  val_accuracy 0.75',
    ]);
  });

  it('with a feature cache, says how many images of each pass came from it', async () => {
    const lines: string[] = [];
    let clock = 0;
    const now = () => clock;
    const progress = createProgressRenderer({ style: 'plain', write: (l) => lines.push(l), now });
    const callback = progressCallback({ progress, trainImages: 10, reportsCache: true, now });
    clock = 1000;
    await callback.onExtractionProgress?.({ pass: 0, done: 4, total: 8, cached: 4 });
    await callback.onExtractionProgress?.({ pass: 0, done: 8, total: 8, cached: 7 });
    clock = 2000;
    await callback.onExtractionProgress?.({ pass: 'validation', done: 2, total: 2, cached: 0 });
    expect(lines).toEqual([
      'features pass 1: 8 img in 1.0s (8 img/s), 7 from cache, 1 computed',
      'features val: 2 img in 1.0s (2 img/s), 0 from cache, 2 computed',
    ]);
  });
});
