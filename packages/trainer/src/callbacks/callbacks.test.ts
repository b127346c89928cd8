import '@tensorflow/tfjs-backend-cpu';
import type { Callback } from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam } from '../optimizers/adam.js';
import { ColourDataset, denseHead } from '../testing/fixtures.js';
import { train } from '../training/train.js';
import { earlyStopping } from './early-stopping.js';
import { History } from './history.js';
import { learningRateLogger } from './learning-rate-logger.js';
import { type ProgressUpdate, progressTracker } from './progress.js';

describe('callbacks', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('early stopping stops after `patience` epochs and restores the best weights', async () => {
    const trainData = new ColourDataset({ count: 24, seed: 1, noise: 40 });
    const validationData = new ColourDataset({ count: 12, seed: 2, noise: 40 });
    const backbone = tinyBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3 });
    const headWeights = () =>
      head.model.getWeights().flatMap((tensor) => Array.from(tensor.dataSync()));
    // A fake metric that is best at epoch 1 and worse afterwards.
    const scores = [0.5, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    let weightsAtBest: number[] = [];
    const fakeMetric: Callback = {
      onEpochEnd(epoch, logs) {
        logs.score = scores[epoch] ?? 0;
        if (epoch === 1) weightsAtBest = headWeights();
      },
    };
    const stopper = earlyStopping({
      monitor: 'score',
      mode: 'max',
      patience: 2,
      restoreBestWeights: true,
    });
    const history = new History();
    const logger = learningRateLogger();
    const updates: ProgressUpdate[] = [];
    const result = await train({
      backbone,
      head,
      trainData,
      validationData,
      mode: 'feature-extraction',
      epochs: 7,
      batchSize: 8,
      optimizer: adam({ learningRate: 0.05 }),
      schedule: Object.defineProperties((step: number) => 0.05 * 0.5 ** step, {
        name: { value: 'halving' },
        getConfig: { value: () => ({ name: 'halving' }) },
      }) as never,
      callbacks: [
        fakeMetric,
        stopper,
        history,
        logger,
        progressTracker((update) => updates.push(update)),
      ],
    });
    // Best at epoch 1; epochs 2 and 3 do not improve: 2 epochs without improvement stop (Keras).
    expect(stopper.bestEpoch).toBe(1);
    expect(stopper.stoppedEpoch).toBe(3);
    expect(result.history).toHaveLength(4);
    // The message counts epochs from 1, like the logs: the 0-based epoch 1 is the 2nd.
    expect(result.stopReason).toBe(
      'early stopping: score did not improve for 2 epochs (best 0.9 at epoch 2)',
    );
    expect(headWeights()).toEqual(weightsAtBest);
    // The returned validation report describes the restored (epoch 1) weights, not the last epoch's.
    const bestLoss = result.history[1]?.val_loss ?? Number.NaN;
    expect(result.history[3]?.val_loss).not.toBeCloseTo(bestLoss, 6);
    expect(result.validation?.loss).toBeCloseTo(bestLoss, 6);
    expect(history.metric('score')).toEqual([0.5, 0.9, 0.8, 0.7]);
    // 3 steps per epoch, 4 epochs; learning rates from the schedule.
    expect(logger.values).toHaveLength(12);
    expect(logger.values[2]).toEqual([2, 0.05 * 0.5 ** 2]);
    const extract = updates.filter((update) => update.phase === 'extract');
    expect(extract.at(-1)).toMatchObject({ pass: 'validation', done: 12, total: 12 });
    const batches = updates.filter(
      (update) => update.phase === 'train' && update.logs.loss !== undefined,
    );
    expect(batches.some((update) => update.imagesPerSecond > 0 && update.total === 3)).toBe(true);
    expect(updates.at(-1)?.phase).toBe('end');
    backbone.dispose();
    head.dispose();
  });
});
