// Acceptance (issue 7): MobileNetV2 0.35 with Teachable Machine weights, feature extraction on
// ants/bees, wasm backend, fixed seed: validation accuracy ≥ 0.90. Logs wall time and images/s
// of the run after the backbone has loaded, and peak memory.
import { createBackbone, type MobileNetV2Options } from '@graft/backbones';
import type { Backbone, Head } from '@graft/core';
import { createHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import { cosineSchedule } from '@graft/schedulers';
import { adam, evaluate, train } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptanceSeed,
  centerCrop,
  openHymenoptera,
  peakRssMiB,
  useSharedMirror,
} from './hymenoptera.js';

const seed = acceptanceSeed(7);

describe('MobileNetV2 0.35 (Teachable Machine) feature extraction on ants/bees', () => {
  let backbone: Backbone;
  let head: Head | undefined;

  beforeAll(async () => {
    useSharedMirror();
    const report = await initBackend({ prefer: 'wasm' });
    expect(report.chosen).toBe('wasm');
    backbone = await createBackbone<MobileNetV2Options>('mobilenet_v2_0.35_224', {
      weightSource: 'teachable-machine',
      resize: centerCrop,
    });
  });

  afterAll(() => {
    head?.dispose();
    backbone?.dispose();
  });

  it('reaches val accuracy ≥ 0.90 with a linear head on cached features', async () => {
    const started = performance.now();
    const folder = await openHymenoptera(backbone.preprocessing);
    const trainData = folder.dataset('train');
    const validationData = folder.dataset('val');
    head = createHead('linear', {
      featureDim: backbone.featureDim,
      numClasses: trainData.classNames.length,
      seed,
    });
    // Adam 1e-2 decayed to 0 by a cosine over the 20 epochs: over seeds 1-5 and 7 it scored
    // 0.915-0.922, constant 3e-3 scored 0.908-0.928 (the last epochs wander without the decay).
    const epochs = 20;
    const batchSize = 32;
    const optimizer = adam({ learningRate: 1e-2 });
    const schedule = cosineSchedule({
      initialLearningRate: 1e-2,
      totalSteps: Math.ceil(trainData.size / batchSize) * epochs,
    });
    const result = await train({
      backbone,
      head,
      trainData,
      validationData,
      mode: 'feature-extraction',
      epochs,
      batchSize,
      optimizer,
      schedule,
      seed,
    });
    optimizer.dispose();
    const seconds = (performance.now() - started) / 1000;
    const images = trainData.size + validationData.size;

    // Evaluated again on pixels (decode → backbone → head), independent of the cached features.
    const report = await evaluate({ backbone, head, data: validationData });
    console.log(
      `[acceptance] mobilenet_v2_0.35 TM feature extraction, seed ${seed}: val accuracy ${report.accuracy.toFixed(4)} ` +
        `(per epoch ${result.history.map((logs) => logs.val_accuracy?.toFixed(3)).join(' ')}); ` +
        `run after backbone load ${seconds.toFixed(1)} s = ${(images / seconds).toFixed(1)} images/s ` +
        `(extraction ${result.extractionSeconds?.toFixed(1)} s for ${images} images = ` +
        `${(images / (result.extractionSeconds ?? Number.NaN)).toFixed(1)} images/s, 20 head epochs ${result.trainingSeconds.toFixed(1)} s); ` +
        `peak tensor bytes ${(result.peakTensorBytes / 2 ** 20).toFixed(1)} MiB, peak RSS ${peakRssMiB().toFixed(0)} MiB, backend ${tf.getBackend()}`,
    );
    expect(result.extraction?.backboneImages).toBe(images);
    expect(report.accuracy).toBeCloseTo(result.validation?.accuracy ?? Number.NaN, 6);
    expect(report.accuracy).toBeGreaterThanOrEqual(0.9);
  });
});
