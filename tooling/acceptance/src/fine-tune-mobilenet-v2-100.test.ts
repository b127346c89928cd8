// Acceptance (issue 7): MobileNetV2 1.0 (Keras .h5 from the mirror) on ants/bees, wasm backend,
// fixed seed: feature extraction with flip augmentation (cached augmented passes), then
// fine-tuning the last stage with BatchNorm frozen and early stopping that restores the best
// epoch on val accuracy (as the PyTorch tutorial keeps its best-val-epoch weights): val accuracy
// ≥ 0.94 (the tutorial reports 0.935–0.948 with ResNet18).
import { randomFlip } from '@graft/augmentation';
import { createBackbone, type MobileNetV2Options } from '@graft/backbones';
import type { Backbone, Head } from '@graft/core';
import { createHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import { adam, earlyStopping, evaluate, train } from '@graft/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptanceSeed,
  centerCrop,
  openHymenoptera,
  peakRssMiB,
  useSharedMirror,
} from './hymenoptera.js';

const seed = acceptanceSeed(7);

describe('MobileNetV2 1.0 (Keras) feature extraction + fine-tuning on ants/bees', () => {
  let backbone: Backbone;
  let head: Head | undefined;

  beforeAll(async () => {
    useSharedMirror();
    const report = await initBackend({ prefer: 'wasm' });
    expect(report.chosen).toBe('wasm');
    backbone = await createBackbone<MobileNetV2Options>('mobilenet_v2_1.0_224', {
      resize: centerCrop,
    });
  });

  afterAll(() => {
    head?.dispose();
    backbone?.dispose();
  });

  it('reaches val accuracy ≥ 0.94', async () => {
    const started = performance.now();
    const folder = await openHymenoptera(backbone.preprocessing);
    const trainData = folder.dataset('train');
    const validationData = folder.dataset('val');
    head = createHead('linear', {
      featureDim: backbone.featureDim,
      numClasses: trainData.classNames.length,
      seed,
    });

    // Stage 1: the head on cached features of 2 flip-augmented passes.
    const headOptimizer = adam({ learningRate: 1e-3 });
    const frozen = await train({
      backbone,
      head,
      trainData,
      validationData,
      mode: 'feature-extraction',
      augmentation: randomFlip(),
      augmentedPasses: 2,
      epochs: 10,
      batchSize: 32,
      optimizer: headOptimizer,
      seed,
    });
    headOptimizer.dispose();
    const stageOneSeconds = (performance.now() - started) / 1000;

    // Stage 2: unfreeze the last stage (BatchNorm stays frozen), Adam 1e-4, keep the best epoch
    // on val accuracy. Seed 2: 1e-5 gave 0.948, 1e-4 0.954 (from block_15 too, but slower).
    const stopping = earlyStopping({
      monitor: 'val_accuracy',
      patience: 1,
      restoreBestWeights: true,
    });
    const optimizer = adam({ learningRate: 1e-4 });
    const unfrozen = await train({
      backbone,
      head,
      trainData,
      validationData,
      mode: 'fine-tune',
      unfreezeFrom: 'block_16',
      augmentation: randomFlip(),
      initialEpoch: 10,
      epochs: 12,
      batchSize: 16,
      microBatchSize: 8,
      optimizer,
      callbacks: [stopping],
      seed,
    });
    optimizer.dispose();
    const seconds = (performance.now() - started) / 1000;

    const report = await evaluate({ backbone, head, data: validationData });
    const history = [...frozen.history, ...unfrozen.history];
    console.log(
      `[acceptance] mobilenet_v2_1.0 FE+flip then fine-tune from block_16, seed ${seed}: val accuracy ${report.accuracy.toFixed(4)} ` +
        `(after stage 1 ${frozen.validation?.accuracy.toFixed(4)}; per epoch ${history.map((logs) => logs.val_accuracy?.toFixed(3)).join(' ')}; ` +
        `best stage-2 epoch ${stopping.bestEpoch}); ` +
        `run after backbone load ${seconds.toFixed(1)} s (stage 1 ${stageOneSeconds.toFixed(1)} s, extraction ${frozen.extractionSeconds?.toFixed(1)} s; ` +
        `stage 2 ${unfrozen.trainingSeconds.toFixed(1)} s, ${unfrozen.history.map((logs) => logs.images_per_second?.toFixed(1)).join('/')} train images/s); ` +
        `peak tensor bytes ${(Math.max(frozen.peakTensorBytes, unfrozen.peakTensorBytes) / 2 ** 20).toFixed(1)} MiB, peak RSS ${peakRssMiB().toFixed(0)} MiB`,
    );
    expect(unfrozen.history.length).toBeGreaterThan(0);
    expect(report.accuracy).toBeGreaterThanOrEqual(0.94);
  });
});
