import '@tensorflow/tfjs-backend-cpu';
import { type Backbone, GraftError, InvalidArgumentError } from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { probeOnnxRuntime } from './load-onnx-runtime.js';
import { type FeatureEngineRequest, resolveFeatureEngine } from './resolve-feature-engine.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A layer of the app's own (no ONNX conversion exists for it). */
class Swish extends tfl.layers.Layer {
  static className = 'GraftTestSwish';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
  }
}
tf.serialization.registerClass(Swish);

/** A custom backbone: tiny's contract with a custom activation layer in its network. */
function customBackbone(): Backbone {
  const base = tinyBackbone({ seed: 6 });
  const input = tfl.input({ shape: [16, 16, 3] });
  let x = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same' })
    .apply(input) as tfl.SymbolicTensor;
  x = new Swish({ name: 'swish' }).apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  base.model.dispose();
  return { ...base, weightsId: 'custom-swish', model, dispose: () => model.dispose() };
}

const missing = () =>
  Promise.reject(
    Object.assign(new Error("Cannot find package 'onnxruntime-node'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    }),
  );

describe('resolveFeatureEngine', () => {
  it('auto picks ONNX Runtime for a backbone that converts when onnxruntime-node loads', async () => {
    const backbone = tinyBackbone({ seed: 7 });
    try {
      const choice = await resolveFeatureEngine({ requested: 'auto', backbone });
      expect(choice.engine).toBe('onnxruntime');
      expect(choice.reason).toMatch(
        /onnxruntime-node 1\.\d+\.\d+ loads and tiny:16x16:8:seed7 converts/,
      );
      expect((await resolveFeatureEngine({ requested: 'onnx', backbone })).engine).toBe(
        'onnxruntime',
      );
    } finally {
      backbone.dispose();
    }
  });

  it('auto falls back to tfjs for a custom backbone, naming the layer', async () => {
    const backbone = customBackbone();
    try {
      const choice = await resolveFeatureEngine({ requested: 'auto', backbone });
      expect(choice.engine).toBe('tfjs');
      expect(choice.reason).toMatch(/custom-swish has no ONNX conversion \(.*GraftTestSwish/);
      // Asked for explicitly, the same reason is an error.
      await expect(resolveFeatureEngine({ requested: 'onnx', backbone })).rejects.toSatisfy(
        (error) =>
          GraftError.isInstance(error) &&
          error.code === 'BACKEND_UNAVAILABLE' &&
          /GraftTestSwish/.test(error.message),
      );
    } finally {
      backbone.dispose();
    }
  });

  it('auto falls back to tfjs when onnxruntime-node is missing, and onnx says how to install it', async () => {
    const backbone = tinyBackbone({ seed: 8 });
    try {
      const choice = await resolveFeatureEngine({
        requested: 'auto',
        backbone,
        importer: missing,
      });
      expect(choice).toEqual({
        engine: 'tfjs',
        reason: expect.stringMatching(
          /ONNX Runtime not used: onnxruntime-node is not installed.*pnpm add onnxruntime-node/,
        ),
      });
      await expect(
        resolveFeatureEngine({ requested: 'onnx', backbone, importer: missing }),
      ).rejects.toThrow(/onnxruntime-node is not installed/);
    } finally {
      backbone.dispose();
    }
  });

  it('takes a probe made elsewhere instead of importing onnxruntime-node', async () => {
    const backbone = tinyBackbone({ seed: 9 });
    // Any import here would fail: the given probe decides.
    const importer = () => Promise.reject(new Error('imported anyway'));
    try {
      const loads = await resolveFeatureEngine({
        requested: 'auto',
        backbone,
        importer,
        probe: Promise.resolve({ loaded: true, version: '9.8.7', providers: [] }),
      });
      expect(loads).toEqual({
        engine: 'onnxruntime',
        reason: expect.stringMatching(/^onnxruntime-node 9\.8\.7 loads and /),
      });
      const fails = await resolveFeatureEngine({
        requested: 'auto',
        backbone,
        importer,
        probe: Promise.resolve({ loaded: false, reason: 'its binary failed elsewhere' }),
      });
      expect(fails).toEqual({
        engine: 'tfjs',
        reason: 'ONNX Runtime not used: its binary failed elsewhere',
      });
    } finally {
      backbone.dispose();
    }
  });

  it('keeps tfjs for fine-tuning and when asked, and refuses an unknown request', async () => {
    const backbone = tinyBackbone({ seed: 9 });
    try {
      expect(await resolveFeatureEngine({ requested: 'auto', backbone, frozen: false })).toEqual({
        engine: 'tfjs',
        reason: expect.stringMatching(/fine-tuned, not frozen/),
      });
      await expect(
        resolveFeatureEngine({ requested: 'onnx', backbone, frozen: false }),
      ).rejects.toThrow(/fine-tuning/);
      expect((await resolveFeatureEngine({ requested: 'tfjs', backbone })).engine).toBe('tfjs');
      await expect(
        resolveFeatureEngine({ requested: 'gpu' as FeatureEngineRequest, backbone }),
      ).rejects.toSatisfy(
        (error) => InvalidArgumentError.isInstance(error) && error.argument === 'requested',
      );
    } finally {
      backbone.dispose();
    }
  });
});

describe('probeOnnxRuntime', () => {
  it('reports the version and the CPU provider, or why the module did not load', async () => {
    const probe = await probeOnnxRuntime();
    expect(probe).toMatchObject({ loaded: true, version: expect.stringMatching(/^1\.\d+\.\d+$/) });
    if (probe.loaded) expect(probe.providers).toContainEqual({ name: 'cpu', bundled: true });
    expect(await probeOnnxRuntime(missing)).toEqual({
      loaded: false,
      reason: expect.stringMatching(/onnxruntime-node is not installed/),
    });
  });
});
