import { resolve } from 'node:path';
import { FileImageDataset } from '@graft/datasets/node';
import type { Command } from 'commander';
import { parseInteger } from '../config/parse-values.js';
import { formatTable } from '../format-table.js';
import type { CommandOutput } from '../output.js';
import { classifyDataset } from '../pipeline/classify-dataset.js';
import { loadRunClassifier } from '../pipeline/load-run-classifier.js';
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
      const classifier = await loadRunClassifier(run);
      try {
        const preprocessing = classifier.metadata.graft.preprocessing;
        // Decoded and resized by the same pipeline, size and policy as in training.
        const dataset = new FileImageDataset({
          files: images.map((image) => ({ path: resolve(image), label: 0 })),
          classNames: classifier.labels,
          imageSize: preprocessing.inputSize,
          resize: preprocessing.resize,
        });
        const { probabilities } = await classifyDataset(classifier, dataset);
        const classes = classifier.labels.length;
        const predictions: Prediction[] = images.map((image, index) => ({
          image,
          top: Array.from(probabilities.subarray(index * classes, (index + 1) * classes))
            .map((probability, classIndex) => ({
              className: classifier.labels[classIndex] ?? String(classIndex),
              probability,
            }))
            .sort((a, b) => b.probability - a.probability)
            .slice(0, top),
        }));
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
        classifier.model.dispose();
      }
    });
}
