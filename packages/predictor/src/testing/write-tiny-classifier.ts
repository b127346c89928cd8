import { type JsonObject, resolvePreprocessing } from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import { Classifier, type ClassifierMetadata } from '@graft/trainer';
import { writeClassifierDirectory } from '@graft/trainer/node';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Writes a tiny untrained classifier directory (16x16 center-crop input, three labels, seeded
 * weights) for tests: `model.json`, `weights.bin`, `metadata.json`.
 */
export async function writeTinyClassifier(directory: string): Promise<{ labels: string[] }> {
  const backbone = tinyBackbone({ featureDim: 8, seed: 3 });
  const features = backbone.model.outputs[0] as tfl.SymbolicTensor;
  const probabilities = tfl.layers
    .dense({
      units: 3,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }),
      biasInitializer: 'zeros',
    })
    .apply(features) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: backbone.model.inputs, outputs: probabilities });
  const labels = ['red', 'green', 'blue'];
  // Center-crop, so that the test images' aspect ratio exercises the stored resize policy.
  const preprocessing = resolvePreprocessing({
    ...backbone.preprocessing,
    resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bicubic' },
  }) as ClassifierMetadata['graft']['preprocessing'];
  const metadata: ClassifierMetadata = {
    labels,
    imageSize: 16,
    modelName: 'tiny',
    timeStamp: new Date(0).toISOString(),
    tfjsVersion: '4.22.0',
    packageName: '@graft/trainer',
    packageVersion: '0.0.0',
    userMetadata: {},
    graft: {
      formatVersion: 2,
      preprocessing,
      activation: 'softmax',
      backbone: { name: 'tiny', weightsId: backbone.weightsId, config: {} as JsonObject },
      head: {},
      versions: {},
    },
  };
  const classifier = new Classifier({ model, metadata });
  try {
    await writeClassifierDirectory({ classifier, directory });
  } finally {
    classifier.dispose();
  }
  return { labels };
}
