import { join } from 'node:path';
import { createBackbone } from '@graft/backbones';
import { initBackend } from '@graft/runtime';
import { extractFeatures } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { backboneOptionsFor } from './defaults.js';
import {
  parseExtractionWorkers,
  resolveExtractionWorkers,
  startExtractionWorkers,
} from './extraction-workers.js';
import { loadTrainingData } from './load-training-data.js';

describe('--extraction-workers', () => {
  it('parses auto or a positive count', () => {
    expect(parseExtractionWorkers(undefined)).toBe('auto');
    expect(parseExtractionWorkers('auto')).toBe('auto');
    expect(parseExtractionWorkers('3')).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'many']) {
      expect(() => parseExtractionWorkers(bad)).toThrow(/--extraction-workers/);
    }
  });

  it('auto uses every CPU only where one instance runs one thread', () => {
    const resolve = (backend: string, mode: 'feature-extraction' | 'fine-tune') =>
      resolveExtractionWorkers({ requested: 'auto', backend, mode, cpus: 4 });
    expect(resolve('wasm', 'feature-extraction')).toBe(4);
    expect(resolve('cpu', 'feature-extraction')).toBe(4);
    expect(resolve('tfjs-node', 'feature-extraction')).toBe(1);
    expect(resolve('wasm', 'fine-tune')).toBe(1);
    expect(
      resolveExtractionWorkers({ requested: 2, backend: 'tfjs-node', mode: 'feature-extraction' }),
    ).toBe(2);
  });

  it('workers built by feature-worker.ts give the in-process features of real images', async () => {
    const shared = process.env.GRAFT_SHARED_DIR ?? '';
    process.env.GRAFT_MIRROR = join(shared, 'weights');
    process.env.GRAFT_OFFLINE = '1';
    await initBackend({ prefer: 'wasm' });
    const name = 'mobilenet_v2_0.35_224';
    const backboneOptions = { pretrained: true, ...backboneOptionsFor(name), seed: 0 };
    const backbone = await createBackbone(name, backboneOptions);
    const data = await loadTrainingData({
      data: join(shared, 'data', 'hymenoptera'),
      split: undefined,
      seed: 0,
      preprocessing: backbone.preprocessing,
    });
    // The 153 val images in batches of 32: 5 batches over 2 workers.
    const validation = data.validation;
    if (!validation) throw new Error('hymenoptera has a val/ folder');
    const reference = await extractFeatures({ backbone, data: validation, batchSize: 32 });
    const workers = await startExtractionWorkers({
      workers: 2,
      backend: 'wasm',
      backbone: { backbone: name, weights: 'imagenet', seed: 0 },
    });
    try {
      expect(workers.weightsId).toBe(backbone.weightsId);
      const before = tf.memory().numTensors;
      const pooled = await extractFeatures({
        backbone,
        data: validation,
        batchSize: 32,
        featureComputer: workers,
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(pooled.table.labels).toEqual(reference.table.labels);
      expect(pooled.table.sources).toEqual(reference.table.sources);
      let maxAbsDiff = 0;
      for (const [index, value] of pooled.table.features.entries()) {
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(value - (reference.table.features[index] ?? 0)));
      }
      console.log(
        `ants/bees val (153 images), 2 workers vs in-process: max abs diff ${maxAbsDiff}`,
      );
      expect(maxAbsDiff).toBeLessThan(1e-5);
    } finally {
      await workers.close();
      backbone.dispose();
    }
  });
});
