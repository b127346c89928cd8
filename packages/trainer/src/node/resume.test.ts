import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageAugmentation, Schedule } from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adamw } from '../optimizers/adam.js';
import { ColourDataset, denseHead } from '../testing/fixtures.js';
import { type TrainingMode, train } from '../training/train.js';
import { readCheckpoint } from './checkpoint-files.js';
import { csvLogger, jsonLinesLogger } from './file-loggers.js';
import { modelCheckpoint } from './model-checkpoint.js';

/** Horizontal flip of every other image, chosen by the seed: exercises per-batch seeds. */
const flip: ImageAugmentation = {
  name: 'flip',
  apply(batch, options) {
    return {
      images: tf.tidy(() => {
        const flipped = tf.reverse(batch.images, 2);
        const pick = tf.tensor1d(
          Array.from({ length: batch.images.shape[0] }, (_, index) => (options.seed + index) % 2),
        );
        const mask = tf.reshape(pick, [-1, 1, 1, 1]);
        return tf.add(tf.mul(flipped, mask), tf.mul(batch.images, tf.sub(1, mask))) as tf.Tensor4D;
      }),
      labels: tf.clone(batch.labels),
    };
  },
  toConfig: () => ({ name: 'flip' }),
};

const directories: string[] = [];
async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'graft-trainer-'));
  directories.push(directory);
  return directory;
}

describe('checkpoints and resume', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    await Promise.all(
      directories.map((directory) => rm(directory, { recursive: true, force: true })),
    );
  });

  const trainData = new ColourDataset({ count: 30, seed: 7 });
  const validationData = new ColourDataset({ count: 12, seed: 8 });

  async function run(options: {
    mode: TrainingMode;
    epochs: number;
    directory?: string;
    resumeFrom?: string;
    logs?: string;
  }): Promise<{ weights: number[]; history: number }> {
    const backbone = tinyBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3, hidden: 5 });
    const optimizer = adamw({ learningRate: 0.01, weightDecay: 0.05 });
    // `Function.name` is read-only, so `Object.assign` cannot set it: define it.
    const schedule = Object.defineProperties((step: number) => 0.01 / (1 + step * 0.1), {
      name: { value: 'inverse' },
      getConfig: { value: () => ({ name: 'inverse' }) },
    }) as Schedule;
    const result = await train({
      backbone,
      head,
      trainData,
      validationData,
      mode: options.mode,
      epochs: options.epochs,
      batchSize: 8,
      microBatchSize: 4,
      augmentation: flip,
      augmentedPasses: 2,
      optimizer,
      schedule,
      gradientClipNorm: 1,
      seed: 11,
      callbacks: [
        ...(options.directory
          ? [modelCheckpoint({ directory: options.directory, saveBestK: 2 })]
          : []),
        ...(options.logs
          ? [
              jsonLinesLogger({ path: join(options.logs, 'log.jsonl') }),
              csvLogger({ path: join(options.logs, 'log.csv') }),
            ]
          : []),
      ],
      ...(options.resumeFrom ? { resume: await readCheckpoint(options.resumeFrom) } : {}),
    });
    const weights = [...backbone.model.getWeights(), ...head.model.getWeights()].flatMap((tensor) =>
      Array.from(tensor.dataSync()),
    );
    optimizer.dispose();
    backbone.dispose();
    head.dispose();
    return { weights, history: result.history.length };
  }

  for (const mode of ['fine-tune', 'feature-extraction'] as const) {
    it(`${mode}: 4 epochs straight equal 2 + resume 2 (max diff ≤ 1e-6)`, async () => {
      const directory = await temporaryDirectory();
      const logs = await temporaryDirectory();
      const straight = await run({ mode, epochs: 4 });
      await run({ mode, epochs: 2, directory, logs });
      const resumed = await run({ mode, epochs: 4, resumeFrom: join(directory, 'last'), logs });
      const difference = Math.max(
        ...straight.weights.map((value, index) =>
          Math.abs(value - (resumed.weights[index] ?? Number.NaN)),
        ),
      );
      console.log(`${mode}: resume max weight difference ${difference}`);
      expect(resumed.weights).toHaveLength(straight.weights.length);
      expect(difference).toBeLessThanOrEqual(1e-6);
      expect(resumed.history).toBe(4);
      // Training moved the weights at all (the comparison is not vacuous).
      const fresh = await run({ mode, epochs: 0 + 1 });
      expect(
        Math.max(
          ...fresh.weights.map((value, index) => Math.abs(value - (straight.weights[index] ?? 0))),
        ),
      ).toBeGreaterThan(1e-4);
      // Best-2 checkpoints plus `last`, and logs appended across the two runs.
      const entries = (await readdir(directory)).sort();
      expect(entries.filter((name) => name.startsWith('epoch-'))).toHaveLength(2);
      expect(entries).toContain('last');
      const jsonl = (await readFile(join(logs, 'log.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(jsonl.filter((line) => line.event === 'epoch').map((line) => line.epoch)).toEqual([
        0, 1, 2, 3,
      ]);
      const csv = (await readFile(join(logs, 'log.csv'), 'utf8')).trim().split('\n');
      expect(csv).toHaveLength(5);
      expect(csv[0]?.startsWith('epoch,')).toBe(true);
    });
  }

  it('rejects a truncated checkpoint', async () => {
    const directory = await temporaryDirectory();
    await run({ mode: 'feature-extraction', epochs: 1, directory });
    const { writeFile } = await import('node:fs/promises');
    const data = await readFile(join(directory, 'last', 'state.bin'));
    await writeFile(join(directory, 'last', 'state.bin'), data.subarray(0, 10));
    await expect(readCheckpoint(join(directory, 'last'))).rejects.toThrow(/truncated: 10 of/);
  });
});
