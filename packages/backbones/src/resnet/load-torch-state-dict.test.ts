import { join } from 'node:path';
import { FileFormatError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors } from '../formats/safetensors.js';
import { encodeSafetensors, type SafetensorsInput } from '../formats/safetensors-encode.js';
import { readSafetensorsFile } from '../formats/safetensors-node.js';
import { loadTorchStateDict } from './load-torch-state-dict.js';
import { buildResNet } from './resnet-architecture.js';

/** conv1 (3x3, 2→3 channels, no bias) → bn1 → flatten → fc (12 → 2), named like PyTorch modules. */
function tinyModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [2, 2, 2] });
  let x = tfl.layers
    .conv2d({ name: 'conv1', filters: 3, kernelSize: 3, padding: 'same', useBias: false })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'bn1', epsilon: 1e-5 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ name: 'fc', units: 2 }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x, name: 'tiny' });
}

/** Distinct values so a wrong transpose cannot go unnoticed. */
function ramp(count: number, offset = 0): number[] {
  return Array.from({ length: count }, (_, index) => offset + index);
}

function stateDict(overrides: Record<string, SafetensorsInput | undefined> = {}) {
  const tensors: Record<string, SafetensorsInput | undefined> = {
    'conv1.weight': { dtype: 'F32', shape: [3, 2, 3, 3], values: ramp(54) },
    'bn1.weight': { dtype: 'F32', shape: [3], values: [1, 2, 3] },
    'bn1.bias': { dtype: 'F32', shape: [3], values: [4, 5, 6] },
    'bn1.running_mean': { dtype: 'F32', shape: [3], values: [7, 8, 9] },
    'bn1.running_var': { dtype: 'F32', shape: [3], values: [10, 11, 12] },
    'bn1.num_batches_tracked': { dtype: 'I64', shape: [], values: [1] },
    'fc.weight': { dtype: 'F32', shape: [2, 12], values: ramp(24, 100) },
    'fc.bias': { dtype: 'F32', shape: [2], values: [-1, -2] },
    ...overrides,
  };
  const present = Object.fromEntries(
    Object.entries(tensors).filter(
      (entry): entry is [string, SafetensorsInput] => entry[1] !== undefined,
    ),
  );
  return parseSafetensors({
    bytes: encodeSafetensors({ tensors: present }),
    file: 'tiny.safetensors',
  });
}

function problemOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(FileFormatError.isInstance(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a FileFormatError');
}

describe('loadTorchStateDict', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('transposes OIHW → HWIO and [out, in] → [in, out] and maps BatchNorm buffers', () => {
    const model = tinyModel();
    const result = loadTorchStateDict({ model, stateDict: stateDict() });
    expect(result.ignored).toEqual(['bn1.num_batches_tracked']);
    const [kernel] = model.getLayer('conv1').getWeights();
    const hwio = kernel?.arraySync() as number[][][][];
    // PyTorch weight[o][i][h][w] = ((o * 2 + i) * 3 + h) * 3 + w.
    for (const [o, i, h, w] of [
      [0, 0, 0, 0],
      [2, 1, 0, 2],
      [1, 0, 2, 1],
    ] as const) {
      expect(hwio[h]?.[w]?.[i]?.[o]).toBe(((o * 2 + i) * 3 + h) * 3 + w);
    }
    const batchNorm = model
      .getLayer('bn1')
      .getWeights()
      .map((tensor) => [...tensor.dataSync()]);
    expect(batchNorm).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
      [10, 11, 12],
    ]);
    const [dense, bias] = model.getLayer('fc').getWeights();
    expect(dense?.shape).toEqual([12, 2]);
    // fc.weight[out][in] = 100 + out * 12 + in lands at kernel[in][out].
    expect(((dense as tf.Tensor).arraySync() as number[][])[5]).toEqual([100 + 5, 100 + 12 + 5]);
    expect([...(bias?.dataSync() ?? [])]).toEqual([-1, -2]);
    model.dispose();
  });

  it('does not leak tensors', () => {
    const model = tinyModel();
    const dict = stateDict();
    loadTorchStateDict({ model, stateDict: dict });
    const before = tf.memory().numTensors;
    loadTorchStateDict({ model, stateDict: dict });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('refuses missing, mis-shaped and unexpected tensors without touching the model', () => {
    const model = tinyModel();
    const snapshot = () => model.getWeights().map((tensor) => [...tensor.dataSync()]);
    const initial = snapshot();
    expect(
      problemOf(() =>
        loadTorchStateDict({ model, stateDict: stateDict({ 'bn1.running_var': undefined }) }),
      ),
    ).toBe(
      'tiny.safetensors: missing 1 tensor(s) the model needs: bn1.running_var (is this a tiny state dict?)',
    );
    expect(
      problemOf(() =>
        loadTorchStateDict({
          model,
          stateDict: stateDict({ 'fc.weight': { dtype: 'F32', shape: [2, 13], values: ramp(26) } }),
        }),
      ),
    ).toContain('tensor fc.weight has shape [2, 13] (tfjs [13, 2]), but layer fc expects [12, 2]');
    const extra = { 'layer9.weight': { dtype: 'F32', shape: [1], values: [0] } } as const;
    expect(problemOf(() => loadTorchStateDict({ model, stateDict: stateDict(extra) }))).toContain(
      '1 tensor(s) match no layer of tiny: layer9.weight',
    );
    // Nothing was written by the failed loads.
    expect(snapshot()).toEqual(initial);
    // Non-strict loading accepts the extra tensor and reports it.
    const result = loadTorchStateDict({ model, stateDict: stateDict(extra), strict: false });
    expect(result.ignored).toContain('layer9.weight');
    model.dispose();
  });

  it('loads the same ResNet18 from F16, F32 and BF16 files', async () => {
    const half = await readSafetensorsFile(
      join(process.env.GRAFT_SHARED_DIR ?? '', 'fixtures', 'resnet', 'resnet18.safetensors'),
    );
    const reencode = (dtype: 'F32' | 'BF16') => {
      const tensors: Record<string, SafetensorsInput> = {};
      for (const [name, entry] of half.entries) {
        if (entry.dtype !== 'F16') continue;
        tensors[name] = { dtype, shape: entry.shape, values: half.read(name).values };
      }
      return parseSafetensors({
        bytes: encodeSafetensors({ tensors }),
        file: `resnet18.${dtype}.safetensors`,
      });
    };
    const weightsFrom = (stateDict: ReturnType<typeof parseSafetensors>) => {
      const model = buildResNet({ depth: 18, includeTop: true, inputSize: [32, 32] });
      loadTorchStateDict({ model, stateDict });
      const values = model.getWeights().map((tensor) => tensor.dataSync().slice() as Float32Array);
      model.dispose();
      return values;
    };
    const reference = weightsFrom(half);
    // Largest relative difference to the F16-loaded weights (plain loops: deep equality of 11M
    // numbers is slow in the test runner).
    const worstRelative = (weights: Float32Array[]) => {
      expect(weights.map((values) => values.length)).toEqual(
        reference.map((values) => values.length),
      );
      let worst = 0;
      weights.forEach((values, tensorIndex) => {
        const expected = reference[tensorIndex] as Float32Array;
        for (let index = 0; index < values.length; index++) {
          const target = expected[index] as number;
          const difference = Math.abs((values[index] as number) - target);
          worst = Math.max(worst, target === 0 ? difference : difference / Math.abs(target));
        }
      });
      return worst;
    };
    // float16 → float32 is exact, so the F32 copy loads bit-identical weights.
    expect(worstRelative(weightsFrom(reencode('F32')))).toBe(0);
    // bfloat16 keeps 8 significant bits: every weight within 2^-7 relative.
    const worst = worstRelative(weightsFrom(reencode('BF16')));
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(2 ** -7);
  });
});
