import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileImageDataset } from '@graft/datasets/node';
import { extractFeatures, MemoryFeatureStore } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, setPreferredBackend } from '../pipeline/select-backend.js';
import { createTrainingBackbone } from '../pipeline/training-backbone.js';
import { testBackboneName } from '../testing/test-backbone.js';
import { useTinyProject } from '../testing/tiny-project.js';
import { computeShard, featureIdentityOf } from './compute-shard.js';
import { readShardFile } from './shard-file.js';
import { type ShardJob, shardJobFormat } from './shard-job.js';

const project = useTinyProject({ name: 'compute-shard', images: { train: 3, val: 1 } });
const backboneSpec = { backbone: testBackboneName, weights: 'none', seed: 0 };
let shared: string;
beforeAll(async () => {
  setPreferredBackend('cpu');
  await selectBackend();
  shared = await mkdtemp(join(tmpdir(), 'graft-compute-shard-'));
});
afterAll(async () => {
  await rm(shared, { recursive: true, force: true });
});

describe('computeShard', () => {
  it('writes the keys and values a local extraction stores, holding no tensors', async () => {
    const backbone = await createTrainingBackbone(backboneSpec);
    try {
      const folder = join(project(), 'data', 'train');
      const files = [];
      for (const name of ['blue', 'green', 'red']) {
        for (const file of (await readdir(join(folder, name))).sort()) {
          files.push(join(folder, name, file));
        }
      }
      const job: ShardJob = {
        format: shardJobFormat,
        shard: 'test-shard',
        files,
        backbone: backboneSpec,
        identity: await featureIdentityOf({ backbone, engine: 'tfjs', backend: 'cpu' }),
        batchSize: 4,
        directory: shared,
      };
      await computeShard({ job, backbone });
      const before = tf.memory().numTensors;
      await computeShard({ job, backbone });
      expect(tf.memory().numTensors).toBe(before);
      const shard = await readShardFile(shared, 'test-shard');

      // What a local run's store holds for the same images.
      const store = new MemoryFeatureStore();
      await extractFeatures({
        backbone,
        data: new FileImageDataset({
          files: files.map((path, index) => ({ path, label: index % 3 })),
          classNames: ['blue', 'green', 'red'],
          imageSize: backbone.preprocessing.inputSize,
          ...(backbone.preprocessing.resize ? { resize: backbone.preprocessing.resize } : {}),
        }),
        batchSize: 4,
        store,
      });
      expect(shard.keys).toHaveLength(files.length);
      for (const [index, key] of shard.keys.entries()) {
        const local = await store.get(key);
        expect(local, key).toBeDefined();
        const row = shard.features.subarray(index * 8, (index + 1) * 8);
        expect(Buffer.from(row.slice().buffer)).toEqual(
          Buffer.from((local as Float32Array).slice().buffer),
        );
      }
    } finally {
      backbone.dispose();
    }
  });
});
