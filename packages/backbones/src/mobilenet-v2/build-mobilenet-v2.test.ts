import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildMobileNetV2,
  mobileNetV2Alphas,
  mobileNetV2FeatureDim,
} from './build-mobilenet-v2.js';
import { correctPad, makeDivisible } from './make-divisible.js';

const sharedDir = process.env.GRAFT_SHARED_DIR ?? '';
const teachableMachineJson = join(
  sharedDir,
  'weights/teachable-machine/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top/model.json',
);

interface KerasLayerJson {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}

/** The config fields that decide what a layer computes. */
const relevantFields = [
  'filters',
  'kernel_size',
  'strides',
  'padding',
  'use_bias',
  'epsilon',
  'momentum',
  'max_value',
  'depth_multiplier',
  'units',
];

function summary(className: string, config: Record<string, unknown>): string {
  const fields = relevantFields
    .filter((field) => config[field] !== undefined && config[field] !== null)
    .map((field) => `${field}=${JSON.stringify(config[field])}`);
  return `${className}(${fields.join(',')})`;
}

describe('buildMobileNetV2', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('implements _make_divisible and correct_pad like Keras', () => {
    expect(makeDivisible(32 * 0.35)).toBe(16);
    expect(makeDivisible(16 * 0.35)).toBe(8);
    expect(makeDivisible(Math.trunc(320 * 1.4))).toBe(448);
    expect(makeDivisible(1280 * 1.3)).toBe(1664);
    expect(correctPad([224, 224], 3)).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(correctPad([225, 113], 3)).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });

  it('has the layer names, classes, configs and wiring of the Keras/Teachable Machine graph', () => {
    const reference = JSON.parse(readFileSync(teachableMachineJson, 'utf8')) as {
      modelTopology: { config: { layers: KerasLayerJson[] } };
    };
    const expected = reference.modelTopology.config.layers;
    const model = buildMobileNetV2({ alpha: 0.35 });
    const actual = model.layers;
    expect(actual.map((layer) => layer.name)).toEqual(expected.map((layer) => layer.name));
    const ours = (model.toJSON(null, false) as unknown as { config: { layers: KerasLayerJson[] } })
      .config.layers;
    ours.forEach((layer, index) => {
      const theirs = expected[index] as KerasLayerJson;
      expect(summary(layer.class_name, layer.config)).toBe(
        summary(theirs.class_name, theirs.config),
      );
      // Same inbound layer names (residual adds included).
      expect(JSON.stringify(layer.inbound_nodes).replace(/,\{\}/g, '')).toBe(
        JSON.stringify(theirs.inbound_nodes).replace(/,\{\}/g, ''),
      );
    });
    expect(model.outputs[0]?.shape).toEqual([null, 7, 7, 1280]);
    expect(model.countParams()).toBe(410_208);
    model.dispose();
  });

  it('matches Keras parameter counts and feature widths', () => {
    const withTop = buildMobileNetV2({ alpha: 1.0, includeTop: true });
    expect(withTop.countParams()).toBe(3_538_984);
    expect(withTop.layers).toHaveLength(157);
    withTop.dispose();
    const counts: Record<string, number> = {};
    for (const alpha of mobileNetV2Alphas) {
      const model = buildMobileNetV2({ alpha, pooling: 'avg' });
      expect(model.outputs[0]?.shape).toEqual([null, mobileNetV2FeatureDim(alpha)]);
      counts[alpha] = model.countParams();
      model.dispose();
    }
    expect(counts[1]).toBe(2_257_984);
    expect(mobileNetV2FeatureDim(1.4)).toBe(1792);
    expect(mobileNetV2FeatureDim(1.3)).toBe(1664);
    console.info('MobileNetV2 no-top parameter counts', counts);
  });

  it('accepts any input size ≥ 32 with Keras padding and rejects smaller ones', () => {
    const model = buildMobileNetV2({ alpha: 0.5, inputSize: [33, 50], pooling: 'max' });
    expect(model.getLayer('Conv1_pad').getConfig().padding).toEqual([
      [1, 1],
      [0, 1],
    ]);
    const output = model.predict(tf.zeros([1, 33, 50, 3])) as tf.Tensor;
    expect(output.shape).toEqual([1, 1280]);
    output.dispose();
    model.dispose();
    expect(() => buildMobileNetV2({ inputSize: [31, 224] })).toThrow(/inputSize/);
    expect(() => buildMobileNetV2({ alpha: 0.6 as never })).toThrow(/alpha.*0.35/);
  });

  it('with drawWeights false, has zero kernels and the same topology as a drawn build', () => {
    const drawn = buildMobileNetV2({ alpha: 0.35, includeTop: true, seed: 7 });
    const undrawn = buildMobileNetV2({
      alpha: 0.35,
      includeTop: true,
      seed: 7,
      drawWeights: false,
    });
    // The topology (initialiser classes and seeds included) is what feature caches key on.
    expect(undrawn.toJSON(null, false)).toEqual(drawn.toJSON(null, false));
    const kernels = undrawn.weights.filter((weight) => /kernel/.test(weight.originalName));
    expect(kernels).toHaveLength(53);
    for (const kernel of kernels) {
      expect(
        tf.tidy(() => tf.max(tf.abs(kernel.read())).dataSync()[0]),
        kernel.name,
      ).toBe(0);
    }
    const drawnKernel = drawn.getLayer('Conv1').getWeights()[0] as tf.Tensor;
    expect(tf.tidy(() => tf.max(tf.abs(drawnKernel)).dataSync()[0])).toBeGreaterThan(0);
    drawn.dispose();
    undrawn.dispose();
  });
});
