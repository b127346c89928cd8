import { resolve } from 'node:path';
import { SeededRandom } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import { findLearningRate, renderLearningRateCurveText } from '@graft/schedulers';
import { extractFeatures, hardLabelLoss, resolveHardLabelLoss } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import { createHeadFromSpecification } from '../config/head-specification.js';
import { parseInteger, parsePositiveNumber } from '../config/parse-values.js';
import type { CommandOutput } from '../output.js';
import { hardLabelLossOptions } from '../pipeline/hard-label-loss-options.js';
import { loadTrainingData } from '../pipeline/load-training-data.js';
import { selectBackend } from '../pipeline/select-backend.js';
import {
  checkTrainingBackbone,
  createTrainingBackbone,
  trainingBackboneSpec,
} from '../pipeline/training-backbone.js';
import { learningRateCurveSpec } from '../plots/learning-rate-plot.js';
import { renderChart } from '../plots/render-chart.js';
import { toStorageError } from '../run/storage-errors.js';
import { addTrainingFlags, type TrainFlags, trainConfigFrom } from './train.js';

interface LrFindFlags extends TrainFlags {
  steps?: string;
  start?: string;
  end?: string;
  plot?: string;
}

/**
 * `graft lr-find <data>`: the learning-rate range test (Smith; fastai's `lr_find`) for the head
 * on the frozen backbone's features: extracts features once, ramps the rate exponentially over
 * `--steps` batches and prints the loss curve with the suggested rate.
 */
export function registerLrFindCommand(program: Command, output: CommandOutput): void {
  const command = program
    .command('lr-find')
    .description(
      'learning-rate range test for the head on frozen backbone features; prints the curve and a suggestion',
    )
    .argument('[data]', 'image folder (as for graft train)')
    .option('-c, --config <file>', 'JSON or YAML file of train options')
    .option('--split <fractions>', 'train,val[,test] fractions for a folder without val/')
    .option('--steps <n>', 'steps of the ramp', '100')
    .option('--start <rate>', 'first learning rate', '1e-6')
    .option('--end <rate>', 'last learning rate', '1')
    .option('--plot <file.svg>', 'also write the curve as an SVG chart');
  addTrainingFlags(command).action(async (dataPath: string | undefined, flags: LrFindFlags) => {
    const steps = parseInteger('--steps', flags.steps, { minimum: 3 });
    const start = parsePositiveNumber('--start', flags.start);
    const end = parsePositiveNumber('--end', flags.end, start);
    const config = await trainConfigFrom(dataPath, flags);
    await selectBackend();
    const backboneSpec = trainingBackboneSpec(config);
    await checkTrainingBackbone(backboneSpec);
    const backbone = await createTrainingBackbone(backboneSpec);
    try {
      const data = await loadTrainingData({
        data: config.data,
        split: config.split,
        seed: config.seed,
        preprocessing: backbone.preprocessing,
      });
      const progress = output.progress();
      progress.start({ label: 'features', total: data.train.size, unit: 'img' });
      const { table } = await extractFeatures({
        backbone,
        data: data.train,
        batchSize: 32,
        onProgress: (done) => progress.update(done),
      });
      progress.stop();
      const head = createHeadFromSpecification(config.head, {
        featureDim: table.featureDim,
        numClasses: table.numClasses,
        seed: config.seed,
      });
      const random = new SeededRandom(config.seed);
      const batchSize = Math.min(config.batchSize, table.count);
      // Shuffled feature batches, a new order each pass.
      function* batches() {
        const order = random.permutation(table.count);
        for (let first = 0; first + batchSize <= table.count; first += batchSize) {
          const rows = order.slice(first, first + batchSize);
          const features = new Float32Array(rows.length * table.featureDim);
          const targets = new Float32Array(rows.length * table.numClasses);
          rows.forEach((row, index) => {
            features.set(
              table.features.subarray(row * table.featureDim, (row + 1) * table.featureDim),
              index * table.featureDim,
            );
            targets.set(
              table.targets.subarray(row * table.numClasses, (row + 1) * table.numClasses),
              index * table.numClasses,
            );
          });
          yield {
            xs: tf.tensor2d(features, [rows.length, table.featureDim]),
            ys: tf.tensor2d(targets, [rows.length, table.numClasses]),
          };
        }
      }
      try {
        // The range test probes the loss `graft train` would minimise (--loss, --class-weight…).
        const settings = resolveHardLabelLoss({
          ...hardLabelLossOptions(config, data.classNames),
          head,
          classNames: data.classNames,
          labels: () => data.train.labels(),
        });
        const result = await findLearningRate({
          model: head.model,
          ...(settings
            ? {
                loss: (targets: tf.Tensor, predictions: tf.Tensor) =>
                  hardLabelLoss({
                    probabilities: predictions,
                    targets,
                    activation: head.activation,
                    settings,
                  }),
              }
            : {}),
          batches,
          optimizer: 'adam',
          startLearningRate: start,
          endLearningRate: end,
          steps,
        });
        if (flags.plot !== undefined) {
          const file = resolve(flags.plot);
          await writeFileAtomic(file, await renderChart(learningRateCurveSpec(result))).catch(
            (error: unknown) => {
              throw toStorageError(error, file);
            },
          );
          output.info(`plot ${file}`);
        }
        if (output.json) {
          output.result(JSON.stringify(result, null, 2));
          return;
        }
        output.result(
          [
            renderLearningRateCurveText({ result }),
            '',
            result.suggestion === undefined
              ? `no suggestion (${result.stopReason}): the loss never fell; try a wider --start/--end range`
              : `suggested --lr ${result.suggestion.toPrecision(2)} (steepest descent of the smoothed loss; ${result.learningRates.length} steps, ${result.stopReason})`,
          ].join('\n'),
        );
      } finally {
        head.dispose();
      }
    } finally {
      backbone.dispose();
    }
  });
}
