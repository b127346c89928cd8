import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError } from '@graft/core';
import { expectNoTensorLeaks, randomImages } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdaptedClassifierMetadata, adaptClassifier } from '../adaptation/adapt-classifier.js';
import { disposeModel } from '../classifier/dispose-model.js';
import { ColourDataset } from '../testing/fixtures.js';
import {
  teachableMachineBaseName,
  writeTeachableMachineClassifier,
} from '../testing/teachable-machine-classifier.js';
import { loadClassifier, writeClassifierDirectory } from './classifier-files.js';

// A genuine Teachable Machine image model, built from the shared TM MobileNetV2 0.35 base the way
// @teachablemachine/image 0.8.5 builds and exports it (seeded head instead of a trained one).
const baseDirectory = join(
  process.env.GRAFT_SHARED_DIR ?? '/work/shared',
  'weights',
  'teachable-machine',
  teachableMachineBaseName,
);
const labels = ['ants', 'bees', 'wasps'];

/** The model as TM's own `load` gets it: plain `tf.loadLayersModel` on the three files. */
async function loadPlainModel(directory: string): Promise<tfl.LayersModel> {
  const modelJson = JSON.parse(await readFile(join(directory, 'model.json'), 'utf8'));
  const weights = await readFile(join(directory, 'weights.bin'));
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
}

async function maximumDifference(actual: tf.Tensor, expected: tf.Tensor): Promise<number> {
  const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(actual, expected))));
  const [value] = await difference.data();
  difference.dispose();
  return value ?? Number.NaN;
}

describe('Teachable Machine classifiers', () => {
  let root = '';
  let tmDirectory = '';
  beforeAll(async () => {
    await tf.setBackend('cpu');
    root = await mkdtemp(join(tmpdir(), 'graft-tm-'));
    tmDirectory = join(root, 'tm');
    await writeTeachableMachineClassifier({ directory: tmDirectory, baseDirectory, labels });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('loads a TM export and predicts exactly as TM does (x / 127 - 1, nested Sequential)', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const classifier = await loadClassifier(tmDirectory);
    expect(classifier.labels).toEqual(labels);
    const { graft } = classifier.metadata;
    expect(graft.source).toBe('teachable-machine');
    expect(graft.activation).toBe('softmax');
    expect(graft.preprocessing).toEqual({
      inputSize: [224, 224],
      channelOrder: 'rgb',
      inputRange: [-1, 128 / 127],
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: {
        mode: 'center-crop',
        cropFraction: 1,
        interpolation: 'bilinear',
        antialias: true,
        rounding: 'teachable-machine',
      },
    });
    expect(classifier.metadata.tmVersion).toBe('2.4.10');

    // Pixels already at 224x224: TM's cropTo and centre crop change nothing, capture divides by 127.
    const pixels = tf.tidy(() => tf.round(randomImages({ count: 2, size: [224, 224], seed: 7 })));
    const plain = await loadPlainModel(tmDirectory);
    const expected = tf.tidy(() => plain.predict(tf.sub(tf.div(pixels, 127), 1)) as tf.Tensor);
    const actual = classifier.predictProbabilities(pixels);
    expect(actual.shape).toEqual([2, 3]);
    expect(await maximumDifference(actual, expected)).toBeLessThan(1e-5);
    // Keras' x / 127.5 - 1 gives measurably different probabilities: the range matters.
    const keras = tf.tidy(() => plain.predict(tf.sub(tf.div(pixels, 127.5), 1)) as tf.Tensor);
    expect(await maximumDifference(keras, expected)).toBeGreaterThan(1e-4);
    await expectNoTensorLeaks(() => classifier.predict(pixels, { topK: 1 }));
    tf.dispose([pixels, expected, actual, keras]);
    disposeModel(plain);
    classifier.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('adapts a TM classifier with AdaBN and writes it back in TM layout with TM fields', async () => {
    const classifier = await loadClassifier(tmDirectory);
    const { classifier: adapted, report } = await adaptClassifier({
      classifier,
      data: new ColourDataset({ count: 4, size: [224, 224], seed: 3 }),
      batchSize: 4,
    });
    // MobileNetV2 has 52 BatchNorm layers, all inside the nested models.
    expect(report.layersAdapted).toBe(52);
    const directory = join(root, 'adapted');
    await writeClassifierDirectory({ classifier: adapted, directory });
    const metadata = JSON.parse(await readFile(join(directory, 'metadata.json'), 'utf8'));
    // TM's loader only needs labels (and reads imageSize); its fields are kept.
    expect(metadata).toMatchObject({
      labels,
      imageSize: 224,
      tmVersion: '2.4.10',
      packageName: '@teachablemachine/image',
    });
    expect(metadata.graft.source).toBe('teachable-machine');
    const reloaded = await loadClassifier(directory);
    expect((reloaded.metadata as AdaptedClassifierMetadata).graft.adaptation?.[0]?.method).toBe(
      'adabn',
    );
    const images = tf.tidy(() => tf.round(randomImages({ count: 2, size: [224, 224], seed: 9 })));
    const fromAdapted = adapted.predictProbabilities(images);
    const fromReloaded = reloaded.predictProbabilities(images);
    const fromSource = classifier.predictProbabilities(images);
    expect(await maximumDifference(fromReloaded, fromAdapted)).toBe(0);
    expect(await maximumDifference(fromSource, fromAdapted)).toBeGreaterThan(0);
    // The written model is still plain tfjs, loadable without Graft.
    const plain = await loadPlainModel(directory);
    const fromPlain = tf.tidy(() => plain.predict(tf.sub(tf.div(images, 127), 1)) as tf.Tensor);
    expect(await maximumDifference(fromPlain, fromAdapted)).toBeLessThan(1e-5);
    tf.dispose([images, fromAdapted, fromReloaded, fromSource, fromPlain]);
    disposeModel(plain);
    reloaded.dispose();
    adapted.dispose();
    classifier.dispose();
  });

  it('names a missing weights.bin and leaves no tensors behind', async () => {
    const directory = join(root, 'no-weights');
    await writeTeachableMachineClassifier({ directory, baseDirectory, labels });
    await unlink(join(directory, 'weights.bin'));
    const tensorsBefore = tf.memory().numTensors;
    const error = await loadClassifier(directory).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FileFormatError);
    expect((error as FileFormatError).file).toBe(join(directory, 'weights.bin'));
    expect((error as Error).message).toMatch(/weights\.bin: is missing/);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('rejects metadata that fits no model, naming the file, and disposes the model', async () => {
    const directory = join(root, 'bad-metadata');
    await writeTeachableMachineClassifier({ directory, baseDirectory, labels });
    const metadataFile = join(directory, 'metadata.json');
    const tensorsBefore = tf.memory().numTensors;

    await writeFile(metadataFile, JSON.stringify({ tmVersion: '2.4.10', labels: ['a', 'b'] }));
    const mismatch = await loadClassifier(directory).catch((caught: unknown) => caught);
    expect(mismatch).toBeInstanceOf(FileFormatError);
    expect((mismatch as Error).message).toContain(`${metadataFile}: lists 2 labels`);
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    await writeFile(metadataFile, JSON.stringify({ modelName: 'x', imageSize: 224 }));
    const noLabels = await loadClassifier(directory).catch((caught: unknown) => caught);
    expect((noLabels as Error).message).toContain(`${metadataFile}: has no \`labels\``);

    await writeFile(metadataFile, JSON.stringify({ labels }));
    const unknownSource = await loadClassifier(directory).catch((caught: unknown) => caught);
    expect((unknownSource as Error).message).toMatch(/no `graft.preprocessing`.*tmVersion/);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
