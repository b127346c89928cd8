import { join } from 'node:path';
import type { Backbone, Head, ImageAugmentation } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../config/train-config.js';
import type { RunDirectory } from '../run/run-directory.js';
import { writeJson } from '../run/run-directory.js';

/** Options of {@link saveRunModel}. */
export interface SaveRunModelOptions {
  run: RunDirectory;
  backbone: Backbone;
  head: Head;
  classNames: readonly string[];
  config: TrainConfig;
  augmentation: ImageAugmentation | undefined;
}

/**
 * Writes `model/`: the head as a tfjs LayersModel (`head/model.json` + weights) and
 * `metadata.json` (backbone identity and preprocessing, class names, head and augmentation
 * configs), so the classifier can be rebuilt and used exactly as trained.
 */
export async function saveRunModel(options: SaveRunModelOptions): Promise<void> {
  const directory = join(options.run.modelDir, 'head');
  await options.head.model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData
        ? tf.io.concatenateArrayBuffers(
            Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData],
          )
        : new ArrayBuffer(0);
      await writeFileAtomic(join(directory, 'weights.bin'), new Uint8Array(weightData));
      await writeJson(join(directory, 'model.json'), {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: 'graft',
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  await writeJson(join(options.run.modelDir, 'metadata.json'), {
    format: 'graft-classifier',
    backbone: {
      name: options.backbone.name,
      weightsId: options.backbone.weightsId,
      config: options.backbone.getConfig(),
    },
    preprocessing: options.backbone.preprocessing,
    classNames: options.classNames,
    head: options.head.getConfig(),
    augmentation: options.augmentation?.toConfig(),
    mode: options.config.mode,
  });
}
