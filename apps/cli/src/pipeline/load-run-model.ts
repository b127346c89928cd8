import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBackbone } from '@graft/backbones';
import type { Backbone, Head, JsonObject, Preprocessing } from '@graft/core';
import { FileFormatError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type RunDirectory, readJson } from '../run/run-directory.js';

/** `model/metadata.json` of a run. */
export interface RunModelMetadata {
  format: 'graft-classifier';
  backbone: { name: string; weightsId: string; config: JsonObject };
  preprocessing: Preprocessing;
  classNames: string[];
  head: JsonObject;
  augmentation?: JsonObject;
  mode: 'feature-extraction' | 'fine-tune';
}

/** A trained classifier, ready to predict. The caller disposes `backbone` and `head`. */
export interface RunModel {
  metadata: RunModelMetadata;
  backbone: Backbone;
  head: Head;
}

/** Loads `model/` of a run: rebuilds the backbone by name and reads the head's weights. */
export async function loadRunModel(run: RunDirectory): Promise<RunModel> {
  const metadata = await readJson<RunModelMetadata>(
    join(run.modelDir, 'metadata.json'),
    'the trained model (did graft train finish?)',
  );
  if (metadata.mode === 'fine-tune') {
    throw new FileFormatError({
      file: join(run.modelDir, 'metadata.json'),
      problem:
        "reloading fine-tuned backbone weights needs the trainer's classifier saving, not available in this version",
    });
  }
  const headDirectory = join(run.modelDir, 'head');
  const modelJson = JSON.parse(await readFile(join(headDirectory, 'model.json'), 'utf8')) as {
    modelTopology: JsonObject;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weightBytes = await readFile(join(headDirectory, 'weights.bin'));
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData: weightBytes.buffer.slice(
        weightBytes.byteOffset,
        weightBytes.byteOffset + weightBytes.byteLength,
      ) as ArrayBuffer,
    }),
  );
  const backbone = await createBackbone(metadata.backbone.name, { pretrained: true });
  const head: Head = {
    name: String(metadata.head.name ?? 'linear'),
    activation: 'softmax',
    model,
    getConfig: () => metadata.head,
    dispose: () => model.dispose(),
  };
  return { metadata, backbone, head };
}
