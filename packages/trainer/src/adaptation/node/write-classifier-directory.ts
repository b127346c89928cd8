import { join } from 'node:path';
import { writeFileAtomic } from '@graft/core/node';
import * as tf from '@tensorflow/tfjs-core';
import type { Classifier } from '../../classifier/classifier.js';

/**
 * Writes a loaded (e.g. adapted) {@link Classifier} as a classifier directory — `weights.bin`,
 * then `model.json` and `metadata.json`, each atomically — in the layout `saveClassifier`
 * writes and `loadClassifier` reads. `saveClassifier` starts from a backbone and a head; this
 * starts from the composed model and its metadata.
 */
export async function writeClassifierDirectory(options: {
  /** The classifier to write. */
  classifier: Classifier;
  /** Directory to write into (created). */
  directory: string;
}): Promise<{ directory: string; bytes: number }> {
  const { classifier, directory } = options;
  let bytes = 0;
  await classifier.model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      const weights = new Uint8Array(
        weightData === undefined
          ? new ArrayBuffer(0)
          : Array.isArray(weightData)
            ? tf.io.concatenateArrayBuffers(weightData)
            : weightData,
      );
      bytes = weights.byteLength;
      await writeFileAtomic(join(directory, 'weights.bin'), weights);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_core}`,
        convertedBy: null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFileAtomic(join(directory, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  await writeFileAtomic(
    join(directory, 'metadata.json'),
    `${JSON.stringify(classifier.metadata, null, 2)}\n`,
  );
  return { directory, bytes };
}
