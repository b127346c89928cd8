import '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError, type Preprocessing } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeOnnxModel } from './describe-onnx-model.js';
import {
  exportClassifierToOnnx,
  type OnnxClassifierMetadata,
} from './export-classifier-to-onnx.js';
import { compareWithOnnxRuntime } from './testing/compare-with-onnx-runtime.js';

const preprocessing: Preprocessing = {
  inputSize: [8, 8],
  channelOrder: 'rgb',
  inputRange: [-1, 1],
  mean: [0, 0, 0],
  std: [1, 1, 1],
  resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' },
};

/** A classifier-shaped model (pixels → pooled features → softmax) and its metadata. */
function smallClassifier(): { model: tfl.LayersModel; metadata: OnnxClassifierMetadata } {
  const input = tfl.input({ shape: [8, 8, 3], name: 'pixels' });
  let x = tfl.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
    })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .dense({
      units: 2,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
    })
    .apply(x) as tfl.SymbolicTensor;
  return {
    model: tfl.model({ inputs: input, outputs: x }),
    metadata: {
      labels: ['ants', 'bees'],
      modelName: 'small',
      graft: {
        formatVersion: 2,
        preprocessing: { ...preprocessing } as OnnxClassifierMetadata['graft']['preprocessing'],
      },
    },
  };
}

describe('exportClassifierToOnnx', () => {
  let classifier: ReturnType<typeof smallClassifier>;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    classifier = smallClassifier();
  });
  afterAll(() => classifier.model.dispose());

  it('returns the model, labels and preprocessing in metadata_props, and metadata.json with graft.onnx', () => {
    const before = tf.memory().numTensors;
    const files = exportClassifierToOnnx(classifier);
    expect(tf.memory().numTensors).toBe(before);
    expect(files.metadata).toEqual({
      ...classifier.metadata,
      graft: {
        ...classifier.metadata.graft,
        onnx: { file: 'model.onnx', inputLayout: 'NHWC', inputShape: [null, 8, 8, 3] },
      },
    });
    // The caller's metadata is not modified.
    expect(classifier.metadata.graft).not.toHaveProperty('onnx');
    const description = describeOnnxModel(files.model);
    expect(description.inputs[0]?.shape).toEqual(['batch', 8, 8, 3]);
    expect(description.outputs[0]?.shape).toEqual(['batch', 2]);
    expect(JSON.parse(description.metadata.labels as string)).toEqual(['ants', 'bees']);
    expect(JSON.parse(description.metadata.preprocessing as string)).toEqual(preprocessing);
    expect(description.metadata.input_layout).toBe('NHWC');
    expect(JSON.parse(description.metadata.graft_metadata as string)).toEqual(files.metadata);
  });

  it('computes what the tfjs model computes (onnxruntime-node, within 1e-5)', async () => {
    const files = exportClassifierToOnnx(classifier);
    const input = tf.randomUniform([3, 8, 8, 3], -1, 1, 'float32', 7);
    const agreement = await compareWithOnnxRuntime({
      model: classifier.model,
      bytes: files.model,
      input,
    });
    input.dispose();
    expect(agreement.maxAbsolute).toBeLessThanOrEqual(1e-5);
  });

  it('refuses metadata without labels or preprocessing, naming the argument', () => {
    const { labels: _labels, ...withoutLabels } = classifier.metadata;
    expect(() =>
      exportClassifierToOnnx({
        model: classifier.model,
        metadata: withoutLabels as OnnxClassifierMetadata,
      }),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      exportClassifierToOnnx({
        model: classifier.model,
        metadata: { labels: ['a', 'b'], graft: {} } as unknown as OnnxClassifierMetadata,
      }),
    ).toThrow(/metadata.*labels.*graft\.preprocessing/s);
  });
});
