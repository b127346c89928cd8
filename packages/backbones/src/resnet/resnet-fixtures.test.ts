import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsFile } from '../formats/safetensors-node.js';
import { loadTorchStateDict } from './load-torch-state-dict.js';
import { buildResNet, type ResNetDepth } from './resnet-architecture.js';

// torchvision reference outputs: see $GRAFT_SHARED_DIR/fixtures/resnet/fixtures.json.
const directory = join(process.env.GRAFT_SHARED_DIR ?? '', 'fixtures', 'resnet');

interface Fixtures {
  input: { shape: number[] };
  models: Record<string, { weights: string; logits: { file: string }; features: { file: string } }>;
  tolerance_recommended: Record<string, { atol: number; rtol: number }>;
}

async function readFloat32(file: string): Promise<Float32Array> {
  const bytes = await readFile(join(directory, file));
  return new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
}

/**
 * Largest |actual − expected|, largest relative error (over |expected| > 1e-2, where it means
 * something), the largest share of the allowed error atol + rtol·|expected| used, and how many
 * values exceed it.
 */
function compare(actual: Float32Array, expected: Float32Array, atol: number, rtol: number) {
  expect(actual.length).toBe(expected.length);
  let maxAbs = 0;
  let maxRel = 0;
  let budgetUsed = 0;
  let violations = 0;
  for (let index = 0; index < expected.length; index++) {
    const reference = expected[index] as number;
    const difference = Math.abs((actual[index] as number) - reference);
    maxAbs = Math.max(maxAbs, difference);
    if (Math.abs(reference) > 1e-2) maxRel = Math.max(maxRel, difference / Math.abs(reference));
    const allowed = atol + rtol * Math.abs(reference);
    budgetUsed = Math.max(budgetUsed, difference / allowed);
    if (!(difference <= allowed)) violations++;
  }
  return { maxAbs, maxRel, budgetUsed, violations };
}

describe('ResNet against torchvision fixtures (wasm)', () => {
  let fixtures: Fixtures;
  let input: tf.Tensor4D;

  beforeAll(async () => {
    await tf.setBackend('wasm');
    fixtures = JSON.parse(await readFile(join(directory, 'fixtures.json'), 'utf8')) as Fixtures;
    const nchw = await readFloat32('input.bin');
    input = tf.tidy(() =>
      tf.transpose(
        tf.tensor4d(nchw, fixtures.input.shape as [number, number, number, number]),
        [0, 2, 3, 1],
      ),
    );
  });

  for (const depth of [18, 50] as const satisfies readonly ResNetDepth[]) {
    it(`resnet${depth}: logits and pooled features match`, async () => {
      const name = `resnet${depth}`;
      const model = fixtures.models[name];
      const tolerance = fixtures.tolerance_recommended[name];
      if (model === undefined || tolerance === undefined) throw new Error(`no fixture for ${name}`);
      const classifier = buildResNet({ depth, includeTop: true });
      const stateDict = await readSafetensorsFile(join(directory, model.weights));
      const result = loadTorchStateDict({ model: classifier, stateDict });
      expect(result.ignored.every((key) => key.endsWith('num_batches_tracked'))).toBe(true);
      const both = tfl.model({
        inputs: classifier.inputs,
        outputs: [
          classifier.getLayer('avgpool').output,
          classifier.getLayer('fc').output,
        ] as tfl.SymbolicTensor[],
      });

      const [features, logits] = await expectNoTensorLeaks(
        async () => {
          const outputs = both.predict(input) as tf.Tensor[];
          const data = await Promise.all(
            outputs.map((output) => output.data() as Promise<Float32Array>),
          );
          tf.dispose(outputs);
          return data;
        },
        { repeats: 1 },
      );
      const expectedFeatures = await readFloat32(model.features.file);
      const expectedLogits = await readFloat32(model.logits.file);
      const featureError = compare(
        features as Float32Array,
        expectedFeatures,
        tolerance.atol,
        tolerance.rtol,
      );
      const logitError = compare(
        logits as Float32Array,
        expectedLogits,
        tolerance.atol,
        tolerance.rtol,
      );
      console.log(
        `${name} wasm: features max abs ${featureError.maxAbs.toExponential(3)} max rel ${featureError.maxRel.toExponential(3)} ` +
          `(${(100 * featureError.budgetUsed).toFixed(1)}% of tolerance); logits max abs ${logitError.maxAbs.toExponential(3)} ` +
          `max rel ${logitError.maxRel.toExponential(3)} (${(100 * logitError.budgetUsed).toFixed(1)}% of tolerance)`,
      );
      expect(featureError.violations).toBe(0);
      expect(logitError.violations).toBe(0);
      classifier.dispose();
    });
  }
});
