import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerFusedGradients } from '../fused-gradients/register-fused-gradients.js';
import { registerWasmTrainingKernels } from '../wasm-kernels/register-wasm-training-kernels.js';
import { fromHost, randomHost } from './compare-backends.js';
import { mobileNetV2 } from './mobilenet-v2.js';
import {
  compareGradients,
  cyclicLabels,
  type GradientComparison,
  modelGradients,
} from './model-gradients.js';
import { resNet } from './resnet.js';
import { withOriginalGradients } from './with-original-gradients.js';

const tolerance = 1e-4;
const worst: Record<string, GradientComparison> = {};

const architectures = [
  {
    // The first 7 inverted residual blocks: stride-2 depthwise in blocks 1, 3, 6, adds in 2, 4, 5.
    // All 17 blocks agree to ~2e-4 only: float32 differences of wasm's own forward kernels grow
    // with depth through training-mode BatchNormalization (see composed-kernels-on-cpu.test.ts).
    name: 'MobileNetV2 (7 blocks, alpha 0.5, 64x64)',
    build: () => mobileNetV2({ alpha: 0.5, inputSize: 64, classes: 5, blocks: 7 }),
  },
  {
    name: 'ResNet (basic blocks 16-32-64, 64x64)',
    build: () => resNet({ inputSize: 64, widths: [16, 32, 64], classes: 5 }),
  },
];

describe.each(architectures)('$name on wasm', ({ name, build }) => {
  let model: tfl.LayersModel;
  const batch = 2;
  const images = randomHost([batch, 64, 64, 3], 11);
  const labels = cyclicLabels(batch, 5);

  beforeAll(async () => {
    registerWasmTrainingKernels();
    registerFusedGradients();
    await tf.setBackend('cpu');
    model = build();
  });
  afterAll(() => model.dispose());

  it('has the same gradients as on cpu for every trainable weight', async () => {
    await tf.setBackend('cpu');
    // The reference: tfjs-core's own gradients on the JS CPU backend.
    const expected = await withOriginalGradients('cpu', () =>
      modelGradients({ model, images, labels }),
    );
    await tf.setBackend('wasm');
    const actual = modelGradients({ model, images, labels });
    expect(actual.loss).toBeCloseTo(expected.loss, 4);
    const comparison = compareGradients(actual, expected);
    worst[name] = comparison;
    expect(comparison.worstError, `worst weight ${comparison.worstWeight}`).toBeLessThanOrEqual(
      tolerance,
    );
    expect(comparison.vanishingError).toBeLessThanOrEqual(1e-6);
    // Only BatchNormalization betas may vanish; a vanishing conv gradient would hide a bug.
    for (const weight of comparison.vanishingWeights) expect(weight).toMatch(/BN\/beta$/);
  });

  it('has the same gradients as on cpu with BatchNormalization frozen (inference mode)', async () => {
    await tf.setBackend('cpu');
    const expected = await withOriginalGradients('cpu', () =>
      modelGradients({ model, images, labels, training: false }),
    );
    await tf.setBackend('wasm');
    const actual = modelGradients({ model, images, labels, training: false });
    expect(actual.loss).toBeCloseTo(expected.loss, 4);
    const comparison = compareGradients(actual, expected);
    worst[`${name}, frozen BatchNormalization`] = comparison;
    expect(comparison.worstError, `worst weight ${comparison.worstWeight}`).toBeLessThanOrEqual(
      tolerance,
    );
  });

  it('takes fit and trainOnBatch steps', async () => {
    await tf.setBackend('wasm');
    model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
    const xs = fromHost(images);
    const ys = fromHost(labels);
    const before = model.getWeights().map((weight) => weight.dataSync().slice());
    const history = await model.fit(xs, ys, { epochs: 2, batchSize: batch, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses).toHaveLength(2);
    for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
    const numTensors = tf.memory().numTensors;
    const loss = (await model.trainOnBatch(xs, ys)) as number;
    expect(Number.isFinite(loss)).toBe(true);
    expect(tf.memory().numTensors).toBe(numTensors);
    const changed = model.getWeights().filter((weight, index) => {
      const previous = before[index] as Float32Array | Int32Array | Uint8Array;
      return weight.dataSync().some((value, position) => value !== previous[position]);
    });
    expect(changed.length).toBeGreaterThan(model.trainableWeights.length / 2);
    tf.dispose([xs, ys]);
  });
});

afterAll(() => {
  console.log(`worst gradient relative error wasm vs cpu: ${JSON.stringify(worst)}`);
});
