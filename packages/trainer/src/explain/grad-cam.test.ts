import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import reference from './__fixtures__/grad-cam-reference.json' with { type: 'json' };
import { gradCam } from './grad-cam.js';

type Weights = { kernel: number[]; bias: number[] };

/**
 * The reference network of tooling/fixtures/grad-cam-reference.py, as Graft composes a
 * classifier: the backbone's layers flat, the head a nested model ending in Dense + softmax.
 */
function referenceModel(): tfl.LayersModel {
  const weights = reference.weights as Record<'conv1' | 'conv2' | 'hidden' | 'output', Weights>;
  const conv = (name: 'conv1' | 'conv2', filters: number, channels: number) =>
    tfl.layers.conv2d({
      filters,
      kernelSize: 3,
      padding: 'same',
      name,
      weights: [
        tf.tensor4d(weights[name].kernel, [3, 3, channels, filters]),
        tf.tensor1d(weights[name].bias),
      ],
    });
  const input = tfl.input({ shape: [8, 8, 3], name: 'image' });
  let x = conv('conv1', 4, 3).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ name: 'relu1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(x) as tfl.SymbolicTensor;
  x = conv('conv2', 6, 4).apply(x) as tfl.SymbolicTensor;
  const map = tfl.layers.reLU({ name: 'features' }).apply(x) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({ name: 'avg' }).apply(map);
  const headInput = tfl.input({ shape: [6], name: 'head_features' });
  const hidden = tfl.layers
    .dense({
      units: 5,
      activation: 'relu',
      name: 'head_hidden',
      weights: [tf.tensor2d(weights.hidden.kernel, [6, 5]), tf.tensor1d(weights.hidden.bias)],
    })
    .apply(headInput);
  const probabilities = tfl.layers
    .dense({
      units: 3,
      activation: 'softmax',
      name: 'head_output',
      weights: [tf.tensor2d(weights.output.kernel, [5, 3]), tf.tensor1d(weights.output.bias)],
    })
    .apply(hidden) as tfl.SymbolicTensor;
  const head = tfl.model({ inputs: headInput, outputs: probabilities, name: 'head' });
  return tfl.model({
    inputs: input,
    outputs: head.apply(pooled) as tfl.SymbolicTensor,
    name: 'reference_classifier',
  });
}

describe.each(['cpu', 'wasm'])('gradCam on %s', (backend) => {
  let model: tfl.LayersModel;
  let inputs: tf.Tensor4D;

  it('sets up the reference network', async () => {
    await tf.setBackend(backend);
    model = referenceModel();
    inputs = tf.tensor4d(
      reference.input.values,
      reference.input.shape as [number, number, number, number],
    );
  });

  afterAll(() => {
    model.dispose();
    inputs.dispose();
  });

  it.each([
    [0, false],
    [1, false],
    [2, false],
    [0, true],
    [1, true],
    [2, true],
  ])(
    'matches PyTorch for class %i (centred logit: %s) within 1e-4, through the nested head',
    (classIndex, centreLogits) => {
      const result = gradCam({ model, inputs, classIndex, normalize: false, centreLogits });
      expect(result.featureMapLayer).toBe('features');
      expect(result.score).toBe(centreLogits ? 'centred-logit' : 'logit');
      expect(result.heatMaps.shape).toEqual(reference.camShape);
      const actual = result.heatMaps.dataSync();
      const expected = (centreLogits ? reference.centredCams : reference.cams)[
        classIndex
      ] as number[];
      let largest = 0;
      expected.forEach((value, index) => {
        largest = Math.max(largest, Math.abs((actual[index] as number) - value));
      });
      expect(largest).toBeLessThan(1e-4);
      // The check has teeth: the maps are not all (near) zero.
      expect(Math.max(...expected)).toBeGreaterThan(0.1);
      tf.dispose([result.heatMaps, result.classIndices, result.outputs]);
    },
  );

  it('explains the top class by default, normalises to [0, 1], names the map and leaks nothing', async () => {
    const run = () => {
      const result = gradCam({ model, inputs, featureMapLayer: 'features' });
      const classes = Array.from(result.classIndices.dataSync());
      const peak = tf.max(result.heatMaps, [1, 2]);
      const peaks = Array.from(peak.dataSync());
      tf.dispose([peak, result.heatMaps, result.classIndices, result.outputs]);
      return { classes, peaks };
    };
    run();
    const { classes, peaks } = await expectNoTensorLeaks(async () => run());
    const top = reference.logits.map((row) => row.indexOf(Math.max(...row)));
    expect(classes).toEqual(top);
    for (const peak of peaks) expect(peak).toBeCloseTo(1, 6);
  });

  it('can explain an earlier map, and names the 4-D layers when the name is wrong', () => {
    if (backend === 'wasm') {
      // A convolution after the map needs its gradient kernels, which tfjs's wasm lacks.
      expect(() => gradCam({ model, inputs, featureMapLayer: 'pool1' })).toThrow(
        /Grad-CAM needs the kernels .Conv2DBackpropFilter.*initBackend\(\) from @graft\/runtime/,
      );
      return;
    }
    const result = gradCam({ model, inputs, featureMapLayer: 'pool1', classIndex: [1, 0] });
    expect(result.heatMaps.shape).toEqual([2, 4, 4]);
    expect(Array.from(result.classIndices.dataSync())).toEqual([1, 0]);
    tf.dispose([result.heatMaps, result.classIndices, result.outputs]);
    const before = tf.memory().numTensors;
    expect(() => gradCam({ model, inputs, featureMapLayer: 'avg' })).toThrow(
      /featureMapLayer.*4-D output.*conv1, relu1, pool1, conv2, features.*featureMapLayer="avg"/,
    );
    expect(() => gradCam({ model, inputs, classIndex: 3 })).toThrow(
      /classIndex.*integers in \[0, 2\].*3 classes/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
