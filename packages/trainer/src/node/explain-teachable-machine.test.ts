import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomImages } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain } from '../explain/explain.js';
import {
  teachableMachineBaseName,
  writeTeachableMachineClassifier,
} from '../testing/teachable-machine-classifier.js';
import { loadClassifier } from './classifier-files.js';

// A genuine Teachable Machine export nests MobileNetV2 in a Sequential in a Sequential: the map
// explained is found inside the nesting, with no backbone descriptor to name it.
const baseDirectory = join(
  process.env.GRAFT_SHARED_DIR ?? '/work/shared',
  'weights',
  'teachable-machine',
  teachableMachineBaseName,
);

describe('explain on a Teachable Machine classifier', () => {
  let root = '';
  beforeAll(async () => {
    await tf.setBackend('cpu');
    root = await mkdtemp(join(tmpdir(), 'graft-tm-explain-'));
    await writeTeachableMachineClassifier({ directory: root, baseDirectory, labels: ['a', 'b'] });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('explains through the nested models on out_relu, and agrees with predict', async () => {
    const classifier = await loadClassifier(root);
    const image = randomImages({ count: 1, size: [224, 224], seed: 2 });
    const before = tf.memory().numTensors;
    const [explanation] = await explain(classifier, image);
    const [prediction] = await classifier.predict(image, { topK: 1 });
    expect(explanation?.featureMapLayer).toBe('out_relu');
    expect(explanation?.heatMap.shape).toEqual([7, 7]);
    expect(explanation?.label).toBe(prediction?.[0]?.label);
    expect(explanation?.probability).toBeCloseTo(prediction?.[0]?.probability ?? -1, 5);
    explanation?.heatMap.dispose();
    expect(tf.memory().numTensors).toBe(before);
    image.dispose();
    classifier.dispose();
  });
});
