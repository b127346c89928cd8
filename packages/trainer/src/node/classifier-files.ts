import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FileFormatError, type JsonObject } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  type Classifier,
  classifierFromModel,
  readClassifierMetadata,
} from '../classifier/classifier.js';
import type { ClassifierMetadata } from '../classifier/classifier-metadata.js';
import { type ExportClassifierOptions, exportClassifier } from '../classifier/export-classifier.js';
import { quantizeWeights, type WeightQuantization } from '../classifier/quantize-weights.js';

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
  /** Store the float32 weights as float16 or uint8 (tfjs's manifest quantization). Default none. */
  quantize?: WeightQuantization;
}): Promise<{ directory: string; bytes: number }> {
  const { classifier, directory, quantize } = options;
  return writeModelDirectory({
    model: classifier.model,
    metadata: classifier.metadata,
    directory,
    ...(quantize === undefined ? {} : { quantize }),
  });
}

/**
 * Weights first, `model.json` and `metadata.json` last, each written atomically. Internal (also
 * used by the Teachable Machine test fixture, whose metadata is TM's, not Graft's).
 */
export async function writeModelDirectory(options: {
  model: tfl.LayersModel;
  metadata: ClassifierMetadata | JsonObject;
  directory: string;
  quantize?: WeightQuantization;
}): Promise<{ directory: string; bytes: number }> {
  const { model, metadata, directory, quantize } = options;
  let bytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      const float32 =
        weightData === undefined
          ? new ArrayBuffer(0)
          : Array.isArray(weightData)
            ? tf.io.concatenateArrayBuffers(weightData)
            : weightData;
      const stored =
        quantize === undefined
          ? { weightSpecs: artifacts.weightSpecs ?? [], weightData: float32 }
          : quantizeWeights({
              weightSpecs: artifacts.weightSpecs ?? [],
              weightData: float32,
              quantization: quantize,
            });
      const weights = new Uint8Array(stored.weightData);
      bytes = weights.byteLength;
      await writeFileAtomic(join(directory, 'weights.bin'), weights);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_core}`,
        convertedBy: null,
        weightsManifest: [{ paths: ['weights.bin'], weights: stored.weightSpecs }],
      };
      await writeFileAtomic(join(directory, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  await writeFileAtomic(join(directory, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
  return { directory, bytes };
}

/**
 * Loads a classifier directory (Node): one {@link saveClassifier} wrote, or a genuine Teachable
 * Machine image-model export (`model.json`, `weights.bin`, TM's `metadata.json`). Errors name the
 * file that is missing or broken; the model is disposed when loading fails after it was built.
 */
export async function loadClassifier(directory: string): Promise<Classifier> {
  const modelFile = join(directory, 'model.json');
  const metadataFile = join(directory, 'metadata.json');
  const modelJson = (await readJsonFile(modelFile, 'model.json')) as {
    modelTopology?: object;
    weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  };
  if (typeof modelJson.modelTopology !== 'object' || !Array.isArray(modelJson.weightsManifest)) {
    throw new FileFormatError({
      file: modelFile,
      problem:
        'is not a tfjs LayersModel model.json (it needs `modelTopology` and `weightsManifest`)',
    });
  }
  // Checked before the weights are read and the model is built: a wrong metadata.json costs
  // nothing and leaves nothing to dispose.
  const metadata = readClassifierMetadata(
    await readJsonFile(metadataFile, 'metadata.json'),
    metadataFile,
  );
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const path of group.paths) {
      const data = await readClassifierFile(
        join(directory, path),
        `${path} (listed in model.json's weightsManifest)`,
      );
      buffers.push(
        data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
      );
    }
  }
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs,
        weightData: tf.io.concatenateArrayBuffers(buffers),
      }),
    );
  } catch (error) {
    throw new FileFormatError({
      file: modelFile,
      problem: `tfjs could not build the model from it and its weights: ${(error as Error).message}`,
      cause: error,
    });
  }
  return classifierFromModel({ model, metadata, metadataFile });
}

/** Reads one file of a classifier directory; a missing or unreadable one is named. */
async function readClassifierFile(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new FileFormatError({
      file,
      problem: `${missing ? 'is missing' : 'cannot be read'}: ${what} is part of the classifier in ${dirname(file)} (model.json, its weight files such as weights.bin, and metadata.json)`,
      cause: error,
    });
  }
}

/** Reads and parses one JSON file of a classifier directory. */
async function readJsonFile(file: string, what: string): Promise<unknown> {
  const text = (await readClassifierFile(file, what)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FileFormatError({ file, problem: 'is not valid JSON', cause: error });
  }
}
