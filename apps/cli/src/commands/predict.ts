import { resolve } from 'node:path';
import { disposeBatch, normalizeImages } from '@graft/core';
import { FileImageDataset } from '@graft/datasets/node';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import { parseInteger } from '../config/parse-values.js';
import { formatTable } from '../format-table.js';
import type { CommandOutput } from '../output.js';
import { loadRunModel } from '../pipeline/load-run-model.js';
import { selectBackend } from '../pipeline/select-backend.js';
import { openRunDirectory } from '../run/run-directory.js';

/** One image's prediction. */
export interface Prediction {
  image: string;
  top: { className: string; probability: number }[];
}

/** `graft predict <run> <images…>`: top-k classes per image. */
export function registerPredictCommand(program: Command, output: CommandOutput): void {
  program
    .command('predict')
    .description('classify images with a trained run (top-k table, or --json)')
    .argument('<run>', 'run directory written by graft train')
    .argument('<images...>', 'image files (JPEG, PNG, WebP, GIF, BMP, …)')
    .option('-k, --top <k>', 'classes shown per image', '3')
    .action(async (runPath: string, images: string[], options: { top: string }) => {
      const top = parseInteger('--top', options.top, { minimum: 1 });
      const run = await openRunDirectory(runPath);
      await selectBackend();
      const { metadata, backbone, head } = await loadRunModel(run);
      try {
        const dataset = new FileImageDataset({
          files: images.map((image) => ({ path: resolve(image), label: 0 })),
          classNames: metadata.classNames,
          imageSize: metadata.preprocessing.inputSize,
          resize: metadata.preprocessing.resize,
        });
        const predictions: Prediction[] = [];
        let index = 0;
        for await (const batch of dataset.batches({ batchSize: 16 })) {
          const probabilities = tf.tidy(() => {
            const features = backbone.model.predict(
              normalizeImages(batch.images, metadata.preprocessing),
            ) as tf.Tensor;
            return head.model.predict(features) as tf.Tensor2D;
          });
          const rows = (await probabilities.array()) as number[][];
          probabilities.dispose();
          disposeBatch(batch);
          for (const row of rows) {
            const ranked = row
              .map((probability, classIndex) => ({
                className: metadata.classNames[classIndex] ?? String(classIndex),
                probability,
              }))
              .sort((a, b) => b.probability - a.probability)
              .slice(0, top);
            predictions.push({ image: images[index] ?? '', top: ranked });
            index += 1;
          }
        }
        if (output.json) {
          output.result(JSON.stringify(predictions, null, 2));
          return;
        }
        output.result(
          formatTable(
            ['image', 'rank', 'class', 'probability'],
            predictions.flatMap((prediction) =>
              prediction.top.map((entry, rank) => [
                rank === 0 ? prediction.image : '',
                rank + 1,
                entry.className,
                entry.probability.toFixed(4),
              ]),
            ),
          ),
        );
      } finally {
        head.dispose();
        backbone.dispose();
      }
    });
}
