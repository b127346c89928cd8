import '@tensorflow/tfjs-backend-cpu';
import type { Preprocessing } from '@graft/core';
import { expectNoTensorLeaks, randomImages, tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Classifier } from '../classifier/classifier.js';
import type { ClassifierMetadata } from '../classifier/classifier-metadata.js';
import { explain } from './explain.js';

describe('explain', () => {
  let classifier: Classifier;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const backbone = tinyBackbone({ inputSize: [16, 16], featureDim: 8, seed: 3 });
    const headInput = tfl.input({ shape: [8] });
    const head = tfl.model({
      inputs: headInput,
      outputs: tfl.layers
        .dense({
          units: 3,
          activation: 'softmax',
          kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }),
        })
        .apply(headInput) as tfl.SymbolicTensor,
    });
    const model = tfl.model({
      inputs: backbone.model.inputs,
      outputs: head.apply(backbone.model.outputs[0] as tfl.SymbolicTensor) as tfl.SymbolicTensor,
    });
    const metadata = {
      labels: ['ants', 'bees', 'wasps'],
      graft: { preprocessing: backbone.preprocessing as Preprocessing, activation: 'softmax' },
    } as unknown as ClassifierMetadata;
    classifier = new Classifier({ model, metadata });
  });

  afterAll(() => classifier.dispose());

  it('explains each image’s top class with its probability, on the last map of the backbone', async () => {
    // Any size: resized as predict resizes.
    const images = randomImages({ count: 3, size: [24, 20], seed: 5 });
    const explanations = await explain(classifier, images);
    const predictions = await classifier.predict(images, { topK: 1 });
    expect(explanations.map(({ label }) => label)).toEqual(predictions.map(([top]) => top?.label));
    explanations.forEach((explanation, image) => {
      expect(explanation.probability).toBeCloseTo(predictions[image]?.[0]?.probability ?? -1, 5);
      expect(explanation.featureMapLayer).toBe('stage2_relu');
      // tinyBackbone: two stride-2 convolutions, 16 → 4.
      expect(explanation.heatMap.shape).toEqual([4, 4]);
      const values = explanation.heatMap.dataSync();
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...values)).toBeLessThanOrEqual(1 + 1e-6);
    });
    tf.dispose([images, ...explanations.map(({ heatMap }) => heatMap)]);
  });

  it('explains a named class and leaks nothing', async () => {
    const images = randomImages({ count: 2, size: [16, 16], seed: 6 });
    const explanations = await expectNoTensorLeaks(
      () => explain(classifier, images, { className: 'wasps' }),
      {
        dispose: (result) => tf.dispose(result.map(({ heatMap }) => heatMap)),
      },
    );
    expect(explanations.map(({ label, index }) => [label, index])).toEqual([
      ['wasps', 2],
      ['wasps', 2],
    ]);
    images.dispose();
  });

  it('lists the classes when the name is not one', async () => {
    const image = tf.zeros([16, 16, 3]) as tf.Tensor3D;
    await expect(explain(classifier, image, { className: 'bee' })).rejects.toThrow(
      /className.*must be one of the classifier's classes: ants, bees, wasps.*className="bee"/,
    );
    image.dispose();
  });
});
