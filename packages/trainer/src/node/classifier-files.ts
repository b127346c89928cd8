import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileFormatError } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type Classifier, loadClassifier as loadFromHandler } from '../classifier/classifier.js';
import type { ClassifierMetadata } from '../classifier/classifier-metadata.js';
import { type ExportClassifierOptions, exportClassifier } from '../classifier/export-classifier.js';

/** Options of {@link saveClassifier}. */
export interface SaveClassifierOptions extends ExportClassifierOptions {
  /** Directory to write `model.json`, `weights.bin` and `metadata.json` into (created). */
  directory: string;
}

/**
 * Saves backbone + head as one tfjs LayersModel directory (`model.json` + `weights.bin`, the
 * layout of Teachable Machine exports and `tfjs.converters`) with `metadata.json`.
 */
export async function saveClassifier(
  options: SaveClassifierOptions,
): Promise<{ directory: string; metadata: ClassifierMetadata; bytes: number }> {
  const { model, metadata } = exportClassifier(options);
  const { bytes } = await writeModelDirectory({ model, metadata, directory: options.directory });
  return { directory: options.directory, metadata, bytes };
}

/**
 * Writes a loaded (e.g. adapted) {@link Classifier} as a classifier directory, in the layout
 * {@link saveClassifier} writes and {@link loadClassifier} reads. `saveClassifier` starts from a
 * backbone and a head; this starts from the composed model and its metadata.
 */
export function writeClassifierDirectory(options: {
  /** The classifier to write. */
  classifier: Classifier;
  /** Directory to write into (created). */
  directory: string;
}): Promise<{ directory: string; bytes: number }> {
  const { classifier, directory } = options;
  return writeModelDirectory({ model: classifier.model, metadata: classifier.metadata, directory });
}

/** Weights first, `model.json` and `metadata.json` last, each written atomically. */
async function writeModelDirectory(options: {
  model: tfl.LayersModel;
  metadata: ClassifierMetadata;
  directory: string;
}): Promise<{ directory: string; bytes: number }> {
  const { model, metadata, directory } = options;
  let bytes = 0;
  await model.save(
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
  await writeFileAtomic(join(directory, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
  return { directory, bytes };
}

/** Loads a classifier directory written by {@link saveClassifier} (Node). */
export async function loadClassifier(directory: string): Promise<Classifier> {
  const read = async (name: string) => {
    try {
      return await readFile(join(directory, name));
    } catch (error) {
      throw new FileFormatError({
        file: join(directory, name),
        problem:
          'is missing: a classifier directory holds model.json, weights.bin and metadata.json',
        cause: error,
      });
    }
  };
  const modelJson = JSON.parse((await read('model.json')).toString('utf8')) as {
    modelTopology: object;
    weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  };
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const path of group.paths) {
      const data = await read(path);
      buffers.push(
        data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
      );
    }
  }
  const metadata = JSON.parse((await read('metadata.json')).toString('utf8')) as ClassifierMetadata;
  return loadFromHandler({
    model: tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs,
      weightData: tf.io.concatenateArrayBuffers(buffers),
    }),
    metadata,
  });
}
