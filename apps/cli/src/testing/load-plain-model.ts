import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Loads `<directory>/model.json` + `weights.bin` with plain tfjs and nothing of Graft, as an
 * outside client of an exported classifier would. The caller disposes the model.
 */
export async function loadPlainModel(directory: string): Promise<tfl.LayersModel> {
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
