import { resolve } from 'node:path';
import { FileImageDataset, type SkippedFile } from '@graft/datasets/node';
import { testTimeAugmentations } from '@graft/trainer';
import type { Command } from 'commander';
import { parseChoice, parseInteger } from '../config/parse-values.js';
import { exitCodes } from '../exit-codes.js';
import { formatTable } from '../format-table.js';
import type { CommandOutput } from '../output.js';
import { checkImageFile, type ImageFileProblem } from '../pipeline/check-image-file.js';
import { classifyDataset } from '../pipeline/classify-dataset.js';
import { loadRunClassifier } from '../pipeline/load-run-classifier.js';
import { predictThreshold } from '../pipeline/multi-label-threshold.js';
import { expandImageInputs } from '../pipeline/predict-inputs.js';
import { selectBackend } from '../pipeline/select-backend.js';
import { classifyOnQueue } from '../queue/distribute-predictions.js';
import {
  addQueueFlags,
  type QueueFlags,
  queueNeedsImages,
  queueSettingsFrom,
} from '../queue/queue-flags.js';
import { openClassifierSource } from '../run/open-classifier-source.js';
import { predictTexts } from '../text/predict-text.js';
import { readTextEncoderReference } from '../text/text-encoder-metadata.js';

interface PredictFlags extends QueueFlags {
  list?: string;
  top: string;
  threshold?: string;
  tta?: string;
}

/** One image's prediction, or why it has none (multi-label: `top` = every label over the threshold). */
export type Prediction =
  | { image: string; top: { className: string; probability: number }[] }
  | { image: string; error: { code: string; message: string } };

/**
 * `graft predict <run> <images…>`: top-k classes per image. Each image is read on its own: a
 * missing, non-image (by extension, as `graft train` judges them) or undecodable file is
 * reported in the table / JSON with its error and the others are still predicted; the exit code
 * is then 3 (input), after every image was tried.
 */
export function registerPredictCommand(program: Command, output: CommandOutput): void {
  addQueueFlags(program.command('predict'), 'predictions')
    .description(
      'classify images with a trained run (top-k table, or --json); unreadable images are reported, exit 3',
    )
    .argument(
      '<run>',
      'run directory written by graft train, or a classifier directory (model.json, weights.bin, metadata.json: graft export, Teachable Machine)',
    )
    .argument(
      '[images...]',
      'image files or folders of images (JPEG, PNG, WebP, TIFF, BMP, PPM/PGM); for a text model, texts or .txt files',
    )
    .option(
      '--list <file>',
      'also classify the images listed in <file>, one path per line (relative to its folder)',
    )
    .option('-k, --top <k>', 'classes shown per image', '3')
    .option(
      '--threshold <p>',
      "multi-label model: show every label whose probability is >= p, however many (default: the model's, 0.5)",
    )
    .option(
      '--tta <views>',
      `test-time augmentation, probabilities averaged over the views: ${testTimeAugmentations.join(', ')}`,
    )
    .action(async (runPath: string, images: string[], options: PredictFlags) => {
      const top = parseInteger('--top', options.top, { minimum: 1 });
      const views =
        options.tta === undefined
          ? undefined
          : parseChoice('--tta', options.tta, testTimeAugmentations);
      // A text classifier (trained on a text encoder's embeddings): the inputs are texts.
      const source = await openClassifierSource(runPath);
      const textEncoder = await readTextEncoderReference(source.modelDir);
      const queue = queueSettingsFrom(options);
      if (textEncoder !== undefined) {
        if (queue) throw queueNeedsImages(runPath);
        const classifier = await loadRunClassifier(source);
        try {
          const predictions = await predictTexts({
            classifier,
            reference: textEncoder,
            inputs: images,
            top,
          });
          output.result(
            output.json
              ? JSON.stringify(predictions, null, 2)
              : formatTable(
                  ['text', 'rank', 'class', 'probability'],
                  predictions.flatMap((prediction) =>
                    prediction.top.map((entry, rank) => [
                      rank === 0 ? shorten(prediction.text) : '',
                      rank + 1,
                      entry.className,
                      entry.probability.toFixed(4),
                    ]),
                  ),
                ),
          );
        } finally {
          classifier.dispose();
        }
        return;
      }
      const imageInputs = await expandImageInputs(images, options.list);
      // Checked before the model loads: cheap, and the answer does not depend on the model.
      const problems = await Promise.all(
        imageInputs.map((image) => checkImageFile(resolve(image))),
      );
      const classifier = await loadRunClassifier(source);
      // Multi-label: every label over the threshold (possibly none) instead of the top k.
      const threshold = predictThreshold(classifier, options.threshold);
      let predictions: Prediction[];
      try {
        const preprocessing = classifier.metadata.graft.preprocessing;
        const readable = imageInputs.flatMap((image, index) =>
          problems[index] === undefined ? [{ image, path: resolve(image) }] : [],
        );
        // Decoded and resized by the same pipeline, size and policy as in training; a file that
        // fails to decode is skipped and listed, so one bad file never stops the others.
        const badFiles: SkippedFile[] = [];
        const dataset = new FileImageDataset({
          files: readable.map(({ path }) => ({ path, label: 0 })),
          classNames: classifier.labels,
          imageSize: preprocessing.inputSize,
          resize: preprocessing.resize,
          onBadImage: 'skip',
          badFiles,
        });
        const classified =
          readable.length === 0
            ? { probabilities: new Float32Array(0), ttaProbabilities: undefined, sources: [] }
            : queue
              ? await classifyOnQueue({
                  settings: queue,
                  modelDir: source.modelDir,
                  classes: classifier.labels.length,
                  files: readable.map(({ path }) => path),
                  backend: (await selectBackend()).chosen,
                  ...(views ? { views } : {}),
                  badFiles,
                  output,
                })
              : await classifyDataset(classifier, dataset, views ? { tta: { views } } : {});
        const { sources } = classified;
        const probabilities = classified.ttaProbabilities ?? classified.probabilities;
        const classes = classifier.labels.length;
        // Batches keep dataset order minus skipped files: walk both lists together.
        const rows = new Map<number, number>();
        let row = 0;
        readable.forEach(({ path }, position) => {
          if (sources[row] === path) rows.set(position, row++);
        });
        const decodeErrors = new Map(badFiles.map((file) => [file.path, file.reason]));
        let position = 0;
        predictions = imageInputs.map((image, index): Prediction => {
          const problem = problems[index];
          if (problem !== undefined) return failure(image, problem);
          const readableIndex = position++;
          const probabilityRow = rows.get(readableIndex);
          if (probabilityRow === undefined) {
            const path = resolve(image);
            const reason = decodeErrors.get(path) ?? 'not decoded';
            // Decoder messages start with the absolute path; the image is named already.
            const problemText = reason.startsWith(`${path}: `)
              ? reason.slice(path.length + 2)
              : reason;
            return failure(image, { code: 'FILE_FORMAT', problem: problemText });
          }
          return {
            image,
            top: Array.from(
              probabilities.subarray(probabilityRow * classes, (probabilityRow + 1) * classes),
            )
              .map((probability, classIndex) => ({
                className: classifier.labels[classIndex] ?? String(classIndex),
                probability,
              }))
              .sort((a, b) => b.probability - a.probability)
              .filter((entry) => threshold === undefined || entry.probability >= threshold)
              .slice(0, threshold === undefined ? top : undefined),
          };
        });
      } finally {
        classifier.dispose();
      }
      const failed = predictions.filter((prediction) => 'error' in prediction).length;
      if (failed > 0) {
        output.error(
          `graft: ${failed} of ${imageInputs.length} image(s) could not be classified (listed with their error); exit ${exitCodes.input}`,
        );
        process.exitCode = exitCodes.input;
      }
      if (output.json) {
        output.result(JSON.stringify(predictions, null, 2));
        return;
      }
      output.result(
        formatTable(
          ['image', 'rank', 'class', 'probability'],
          predictions.flatMap((prediction) =>
            'error' in prediction
              ? [[prediction.image, '-', `error: ${prediction.error.message}`, '-']]
              : prediction.top.length === 0
                ? [[prediction.image, '-', `(no label >= ${threshold})`, '-']]
                : prediction.top.map((entry, rank) => [
                    rank === 0 ? prediction.image : '',
                    rank + 1,
                    entry.className,
                    entry.probability.toFixed(4),
                  ]),
          ),
        ),
      );
    });
}

/** A text's first line, at most 48 characters, for the table. */
function shorten(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 48 || text.includes('\n') ? `${line.slice(0, 47)}…` : line;
}

function failure(image: string, problem: ImageFileProblem): Prediction {
  return { image, error: { code: problem.code, message: problem.problem } };
}
