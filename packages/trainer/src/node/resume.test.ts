import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageAugmentation, Schedule } from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { earlyStopping } from '../callbacks/early-stopping.js';
import { adamw } from '../optimizers/adam.js';
import { ColourDataset, denseHead } from '../testing/fixtures.js';
import { type TrainingMode, train } from '../training/train.js';
import { readCheckpoint, removeIncompleteCheckpoints } from './checkpoint-files.js';
import { csvLogger, jsonLinesLogger } from './file-loggers.js';
import { latestCheckpointDirectory, readLatestCheckpoint } from './latest-checkpoint.js';
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
    /** Early stopping that keeps epoch 0 as best (nothing improves by 1e9) and restores it. */
    stopEarly?: boolean;
  }): Promise<{ weights: number[]; history: number; epoch: number; stopReason?: string }> {
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
        ...(options.stopEarly
          ? [earlyStopping({ patience: 3, minDelta: 1e9, restoreBestWeights: true })]
          : []),
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
      ...(options.resumeFrom ? { resume: await readLatestCheckpoint(options.resumeFrom) } : {}),
    });
    const weights = [...backbone.model.getWeights(), ...head.model.getWeights()].flatMap((tensor) =>
      Array.from(tensor.dataSync()),
    );
    optimizer.dispose();
    backbone.dispose();
    head.dispose();
    return {
      weights,
      history: result.history.length,
      epoch: result.epoch,
      ...(result.stopReason !== undefined ? { stopReason: result.stopReason } : {}),
    };
  }

  for (const mode of ['fine-tune', 'feature-extraction'] as const) {
    it(`${mode}: 4 epochs straight equal 2 + resume 2 (max diff ≤ 1e-6)`, async () => {
      const directory = await temporaryDirectory();
      const logs = await temporaryDirectory();
      const straight = await run({ mode, epochs: 4 });
      await run({ mode, epochs: 2, directory, logs });
      const resumed = await run({ mode, epochs: 4, resumeFrom: directory, logs });
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
      // The 2-epoch run's checkpoints (newest 2, best 2), `latest` naming the newest, nothing
      // temporary; logs appended across the two runs.
      const entries = (await readdir(directory)).sort();
      expect(entries).toEqual(['checkpoints.json', 'epoch-0001', 'epoch-0002', 'latest']);
      expect(await latestCheckpointDirectory(directory)).toBe(join(directory, 'epoch-0002'));
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
    const data = await readFile(join(directory, 'epoch-0001', 'state.bin'));
    await writeFile(join(directory, 'epoch-0001', 'state.bin'), data.subarray(0, 10));
    await expect(readCheckpoint(join(directory, 'epoch-0001'))).rejects.toThrow(/truncated: 10 of/);
  });

  for (const mode of ['fine-tune', 'feature-extraction'] as const) {
    it(`${mode}: early stopping and its best weights survive a resume (same final model)`, async () => {
      const straight = await run({ mode, epochs: 8, stopEarly: true });
      // Best epoch 0, patience 3: stops after 4 epochs and puts epoch 0's weights back.
      expect(straight.epoch).toBe(4);
      expect(straight.stopReason).toMatch(/early stopping/);
      const directory = await temporaryDirectory();
      await run({ mode, epochs: 2, directory, stopEarly: true });
      const resumed = await run({ mode, epochs: 8, resumeFrom: directory, stopEarly: true });
      expect(resumed.epoch).toBe(4);
      expect(resumed.weights).toEqual(straight.weights);
      // Resuming the stopped run trains nothing more and ends with the same model.
      const again = await run({ mode, epochs: 8, resumeFrom: directory, stopEarly: true });
      expect(again).toEqual(resumed);
    });
  }

  it('keeps the newest 2 checkpoints and the best 2, and nothing else', async () => {
    const directory = await temporaryDirectory();
    await run({ mode: 'feature-extraction', epochs: 5, directory });
    const index = JSON.parse(await readFile(join(directory, 'checkpoints.json'), 'utf8')) as {
      best: { name: string }[];
    };
    const expected = new Set(['epoch-0004', 'epoch-0005', ...index.best.map(({ name }) => name)]);
    const kept = (await readdir(directory)).filter((name) => name.startsWith('epoch-'));
    expect(kept.sort()).toEqual([...expected].sort());
  });

  it('a checkpoint folder left half-written is ignored and removed; the previous one resumes', async () => {
    const directory = await temporaryDirectory();
    await run({ mode: 'feature-extraction', epochs: 2, directory });
    const { mkdir, writeFile } = await import('node:fs/promises');
    // What a kill while epoch 3 is written leaves: a temporary folder and an atomic-write temp.
    await mkdir(join(directory, 'epoch-0003.tmp'));
    await writeFile(join(directory, 'epoch-0003.tmp', 'state.bin'), new Uint8Array(7));
    await writeFile(join(directory, '.latest.123.abcd.tmp'), '');
    expect((await readLatestCheckpoint(directory)).manifest.epoch).toBe(2);
    expect(await removeIncompleteCheckpoints(directory)).toEqual([
      join(directory, '.latest.123.abcd.tmp'),
      join(directory, 'epoch-0003.tmp'),
    ]);
    expect((await readdir(directory)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('reads a checkpoint of the old layout (last/state.bin + checkpoint.json)', async () => {
    const directory = await temporaryDirectory();
    await run({ mode: 'feature-extraction', epochs: 1, directory });
    const { rename, rm: remove } = await import('node:fs/promises');
    await rename(join(directory, 'epoch-0001'), join(directory, 'last'));
    await remove(join(directory, 'latest'));
    expect((await readLatestCheckpoint(directory)).manifest.epoch).toBe(1);
  });
});
