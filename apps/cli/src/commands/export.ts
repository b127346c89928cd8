import { join } from 'node:path';
import { writeFileAtomic } from '@graft/core/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Command } from 'commander';
import type { CommandOutput } from '../output.js';
import { loadRunModel } from '../pipeline/load-run-model.js';
import { selectBackend } from '../pipeline/select-backend.js';
import { openRunDirectory, writeJson } from '../run/run-directory.js';
import { version } from '../version.js';

/**
 * `graft export <run>`: one tfjs LayersModel (backbone + head, input `[N, H, W, 3]` preprocessed,
 * output class probabilities) in the Teachable Machine layout: `model.json`, `weights.bin`,
 * `metadata.json` (`labels`, `imageSize`, plus Graft's preprocessing).
 */
export function registerExportCommand(program: Command, output: CommandOutput): void {
  program
    .command('export')
    .description(
      'write a tfjs model directory (Teachable Machine layout: model.json, weights.bin, metadata.json)',
    )
    .argument('<run>', 'run directory written by graft train')
    .option('--out <dir>', 'output directory (default <run>/export)')
    .action(async (runPath: string, options: { out?: string }) => {
      const run = await openRunDirectory(runPath);
      const directory = options.out ?? run.exportDir;
      await selectBackend();
      const { metadata, backbone, head } = await loadRunModel(run);
      try {
        const input = backbone.model.inputs[0] as tfl.SymbolicTensor;
        const features = backbone.model.apply(input) as tfl.SymbolicTensor;
        const probabilities = head.model.apply(features) as tfl.SymbolicTensor;
        const combined = tfl.model({
          inputs: input,
          outputs: probabilities,
          name: 'graft_classifier',
        });
        let bytes = 0;
        await combined.save(
          tf.io.withSaveHandler(async (artifacts) => {
            const weightData = artifacts.weightData
              ? tf.io.concatenateArrayBuffers(
                  Array.isArray(artifacts.weightData)
                    ? artifacts.weightData
                    : [artifacts.weightData],
                )
              : new ArrayBuffer(0);
            bytes = weightData.byteLength;
            await writeFileAtomic(join(directory, 'weights.bin'), new Uint8Array(weightData));
            await writeJson(join(directory, 'model.json'), {
              modelTopology: artifacts.modelTopology,
              format: 'layers-model',
              generatedBy: `graft ${version}`,
              convertedBy: null,
              weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
            });
            return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
          }),
        );
        // Teachable Machine's image-model metadata fields, plus what Graft needs to preprocess.
        await writeJson(join(directory, 'metadata.json'), {
          tfjsVersion: tf.version_core,
          tmVersion: '2.4.10',
          packageVersion: version,
          packageName: '@graft/cli',
          timeStamp: new Date().toISOString(),
          userMetadata: {},
          modelName: run.name,
          labels: metadata.classNames,
          imageSize: metadata.preprocessing.inputSize[0],
          graft: {
            backbone: metadata.backbone,
            preprocessing: metadata.preprocessing,
            head: metadata.head,
          },
        });
        if (output.json) {
          output.result(
            JSON.stringify({ directory, weightBytes: bytes, labels: metadata.classNames }, null, 2),
          );
        } else {
          output.result(
            `exported ${run.name} to ${directory} (model.json, weights.bin ${(bytes / 2 ** 20).toFixed(1)} MiB, metadata.json)`,
          );
        }
        // `combined` shares its layers with the backbone and head: disposing those frees it.
      } finally {
        head.dispose();
        backbone.dispose();
      }
    });
}
